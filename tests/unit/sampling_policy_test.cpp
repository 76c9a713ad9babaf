#include <gtest/gtest.h>

#include <map>
#include <random>

#include "actors/sampling/sampling_policy.hpp"
#include "messages/verdict_reason.hpp"

using namespace tickgate;

namespace {

constexpr int64_t k_s = 1000;

agent_config agent(sampling_kind kind, int64_t interval_ms = 300 * k_s) {
  agent_config a;
  a.name = "a";
  a.strategy.kind = kind;
  a.strategy.interval_ms = interval_ms;
  return a;
}

struct probe {
  sampling_policy policy;
  agent_verdict run(int64_t ts, priority p, bool changed = false, double vol = k_absent) {
    tick_work w;
    w.t.symbol = "S";
    w.t.ts = ts;
    w.snap.volatility_pct = vol;
    agent_verdict v;
    v.agent = 0;
    v.subscribed = true;
    v.prio = static_cast<uint8_t>(p);
    v.changed = changed;
    w.verdicts.push_back(v);
    policy.decide(w);
    return w.verdicts[0];
  }
};

action act(const agent_verdict& v) { return static_cast<action>(v.act); }

}  // namespace

TEST(sampling_policy, periodic_calls_exactly_on_the_interval) {
  probe p{sampling_policy({agent(sampling_kind::periodic)}, 60 * k_s, 10 * k_s)};
  EXPECT_EQ(act(p.run(0, priority::low)), action::batch);  // LOW and due: batched
  EXPECT_EQ(act(p.run(299'999, priority::low)), action::skip);
  EXPECT_EQ(act(p.run(300'000, priority::medium)), action::call);  // MEDIUM and due: direct
}

TEST(sampling_policy, min_ai_interval_just_below_and_at) {
  probe p{sampling_policy({agent(sampling_kind::always)}, 60 * k_s, 10 * k_s)};
  EXPECT_EQ(act(p.run(0, priority::medium)), action::call);
  auto v = p.run(59'999, priority::medium);
  EXPECT_EQ(act(v), action::skip);
  EXPECT_EQ(reason_text(v), "min_interval elapsed_ms=59999 min_ms=60000");
  EXPECT_EQ(act(p.run(60'000, priority::medium)), action::call);
}

TEST(sampling_policy, high_calls_at_once_whatever_the_strategy_spaced_like_critical) {
  probe p{sampling_policy({agent(sampling_kind::change_based)}, 60 * k_s, 10 * k_s)};
  EXPECT_EQ(act(p.run(0, priority::medium, true)), action::call);
  EXPECT_EQ(act(p.run(5'000, priority::high)), action::skip);  // within the 10 s spacing
  auto v = p.run(10'000, priority::high);  // no change, inside min interval: still a call
  EXPECT_EQ(act(v), action::call);
  EXPECT_EQ(v.reason, "urgent:price_update");
  EXPECT_EQ(act(p.run(25'000, priority::medium, true)), action::skip);  // MEDIUM waits the minute
}

TEST(sampling_policy, critical_bypasses_interval_but_keeps_spacing) {
  probe p{sampling_policy({agent(sampling_kind::periodic)}, 60 * k_s, 10 * k_s)};
  EXPECT_EQ(act(p.run(0, priority::medium)), action::call);
  EXPECT_EQ(act(p.run(9'999, priority::critical)), action::skip);  // spacing 10 s
  auto v = p.run(10'000, priority::critical);
  EXPECT_EQ(act(v), action::call);
  EXPECT_EQ(v.reason.rfind("critical", 0), 0u);
}

TEST(sampling_policy, significant_change_calls_a_periodic_agent_early_and_deferred_change_waits) {
  probe p{sampling_policy({agent(sampling_kind::periodic)}, 60 * k_s, 10 * k_s)};
  EXPECT_EQ(act(p.run(0, priority::medium)), action::call);
  EXPECT_EQ(act(p.run(30'000, priority::medium, /*changed=*/true)), action::skip);  // too soon
  auto v = p.run(60'000, priority::medium, false);  // the held-back change is served now
  EXPECT_EQ(act(v), action::call);
  EXPECT_EQ(v.reason.rfind("deferred_change", 0), 0u);
  EXPECT_EQ(act(p.run(120'000, priority::medium, false)), action::skip);  // served once
}

TEST(sampling_policy, change_based_calls_only_on_change) {
  probe p{sampling_policy({agent(sampling_kind::change_based)}, 60 * k_s, 10 * k_s)};
  EXPECT_EQ(act(p.run(0, priority::medium, true)), action::call);
  EXPECT_EQ(act(p.run(100'000, priority::medium, false)), action::skip);
  EXPECT_EQ(act(p.run(200'000, priority::medium, true)), action::call);
}

TEST(sampling_policy, adaptive_interval_scales_with_volatility_within_bounds) {
  strategy_config s;
  s.kind = sampling_kind::adaptive;
  s.interval_ms = 300 * k_s;
  s.reference_volatility_pct = 0.5;
  s.min_interval_ms = 60 * k_s;
  s.max_interval_ms = 900 * k_s;
  EXPECT_EQ(adaptive_interval_ms(s, 0.5), 300 * k_s);
  EXPECT_EQ(adaptive_interval_ms(s, 0.25), 600 * k_s);  // calmer: longer
  EXPECT_EQ(adaptive_interval_ms(s, 1.0), 150 * k_s);   // wilder: shorter
  EXPECT_EQ(adaptive_interval_ms(s, 5.0), 60 * k_s);    // clamped to min
  EXPECT_EQ(adaptive_interval_ms(s, 0.01), 900 * k_s);  // clamped to max
  EXPECT_EQ(adaptive_interval_ms(s, k_absent), 300 * k_s);

  auto a = agent(sampling_kind::adaptive);
  a.strategy = s;
  probe p{sampling_policy({a}, 60 * k_s, 10 * k_s)};
  EXPECT_EQ(act(p.run(0, priority::medium, false, 1.0)), action::call);
  EXPECT_EQ(act(p.run(149'999, priority::medium, false, 1.0)), action::skip);
  EXPECT_EQ(act(p.run(150'000, priority::medium, false, 1.0)), action::call);
}

TEST(sampling_policy, property_no_two_calls_closer_than_min_interval_unless_high_or_critical) {
  std::mt19937_64 rng(99);
  std::vector<agent_config> agents{agent(sampling_kind::always), agent(sampling_kind::periodic, 90 * k_s),
                                   agent(sampling_kind::change_based)};
  sampling_policy policy(agents, 60 * k_s, 10 * k_s);
  std::map<std::pair<std::string, uint16_t>, int64_t> last_call;
  int64_t ts = 0;
  int calls = 0;
  for (int i = 0; i < 20'000; ++i) {
    ts += static_cast<int64_t>(rng() % 5000);
    tick_work w;
    w.t.symbol = std::string(1, static_cast<char>('A' + rng() % 3));
    w.t.ts = ts;
    for (uint16_t a = 0; a < agents.size(); ++a) {
      agent_verdict v;
      v.agent = a;
      v.prio = static_cast<uint8_t>(rng() % 4);
      v.changed = rng() % 10 == 0;
      w.verdicts.push_back(v);
    }
    policy.decide(w);
    for (auto& v : w.verdicts) {
      auto ac = static_cast<action>(v.act);
      if (ac != action::call && ac != action::batch) continue;
      ++calls;
      auto key = std::make_pair(w.t.symbol, v.agent);
      if (auto it = last_call.find(key); it != last_call.end()) {
        int64_t gap = ts - it->second;
        if (v.prio >= static_cast<uint8_t>(priority::high))
          ASSERT_GE(gap, 10 * k_s);
        else
          ASSERT_GE(gap, 60 * k_s);
      }
      last_call[key] = ts;
    }
  }
  EXPECT_GT(calls, 100);  // the property is not vacuous
}
