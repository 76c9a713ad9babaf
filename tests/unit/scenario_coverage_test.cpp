// The decision stages, pure, under the default config on synthetic sessions with known answers:
// every injected event gets a fresh call within 60 s of event time, the quiet sessions make no
// call beyond the periodic ones, and every session stays within the cost bounds (50% of a
// 5-minute timer per agent, 5% of a call on every tick).
#include <gtest/gtest.h>

#include <map>

#include "actors/change/change_policy.hpp"
#include "actors/prioritise/prioritise_policy.hpp"
#include "actors/sampling/sampling_policy.hpp"
#include "backtest/scenarios.hpp"
#include "backtest/significant_events.hpp"
#include "config/config.hpp"
#include "messages/verdict_reason.hpp"

using namespace tickgate;

namespace {

struct decision {
  int64_t ts;
  std::string agent;
  std::string reason;
};

std::shared_ptr<const config> default_cfg() {
  return load_config(std::string(TICKGATE_SOURCE_DIR) + "/config/default.json", {});
}

// prioritise -> change -> sampling, as the shard's actors chain them; the calls and batches.
std::vector<decision> calls_of(const config& cfg, const std::vector<tick>& ticks) {
  prioritise_policy prioritise(cfg.events);
  change_policy change(cfg.change, cfg.agents);
  sampling_policy sampling(cfg.agents, cfg.min_ai_interval_ms, cfg.critical_min_spacing_ms);
  std::vector<decision> out;
  for (auto& t : ticks) {
    tick_work w;
    w.t = t;
    prioritise.assess(t, w.snap, w.events);
    initial_verdicts(cfg.agents, w);
    change.assess(w);
    sampling.decide(w);
    for (auto& v : w.verdicts)
      if (v.act == static_cast<uint8_t>(action::call) || v.act == static_cast<uint8_t>(action::batch))
        out.push_back({t.ts, cfg.agents[v.agent].name, reason_text(v)});
  }
  return out;
}

// A call made for an event (HIGH or CRITICAL, at once or after the spacing), not by a timer.
bool for_an_event(const std::string& reason) {
  for (const char* p : {"urgent:", "critical:", "deferred_urgent:"})
    if (reason.rfind(p, 0) == 0) return true;
  return false;
}

void expect_within_cost_bounds(const config& cfg, const scenario& s, size_t calls) {
  const double agents = static_cast<double>(cfg.agents.size());
  const double every_tick = static_cast<double>(s.ticks.size()) * agents;
  const double timer_5m = static_cast<double>((s.to_ts - s.from_ts) / 300'000 + 1) * agents;
  EXPECT_LE(static_cast<double>(calls), 0.5 * timer_5m) << s.name;
  EXPECT_LE(static_cast<double>(calls), 0.05 * every_tick) << s.name;
}

}  // namespace

TEST(scenarios, every_injected_event_gets_a_fresh_call_within_60_s) {
  auto cfg = default_cfg();
  for (const char* name : {"flash_crash", "volume_surge", "spread_blowout"}) {
    const auto s = make_scenario(name);
    ASSERT_FALSE(s.injected.empty()) << name;
    const auto calls = calls_of(*cfg, s.ticks);
    for (auto& e : s.injected) {
      const decision* first = nullptr;
      for (auto& c : calls)
        if (c.ts >= e.ts && c.ts - e.ts <= 60'000) {
          first = &c;
          break;
        }
      ASSERT_NE(first, nullptr) << name << ": " << e.what << " at " << e.ts << " left without a call";
      // Answered for the event, not by a timer that happened to be due.
      EXPECT_TRUE(for_an_event(first->reason))
          << name << ": " << e.what << " answered by " << first->reason;
    }
    expect_within_cost_bounds(*cfg, s, calls.size());
  }
}

TEST(scenarios, the_volume_surge_that_builds_is_answered_each_minute_it_intensifies) {
  auto cfg = default_cfg();
  const auto s = make_scenario("volume_surge");
  ASSERT_EQ(s.injected.size(), 2u);  // the 4x and 8x minutes (the 2x one is no surge)
  const auto calls = calls_of(*cfg, s.ticks);
  int surge_calls = 0;
  for (auto& c : calls) surge_calls += c.reason == "urgent:volume_surge";
  EXPECT_GE(surge_calls, 2);
  EXPECT_LE(surge_calls, 6);  // a few per minute at most: fired on crossing and on intensifying
}

TEST(scenarios, quiet_sessions_cost_nothing_beyond_the_periodic_calls) {
  auto cfg = default_cfg();
  for (const char* name : {"quiet_day", "slow_drift"}) {
    const auto s = make_scenario(name);
    // The judge agrees there is nothing to analyse.
    significance_detector judge(cfg->significance);
    std::vector<significant_event> events;
    for (auto& t : s.ticks) judge.observe(t, events);
    EXPECT_TRUE(events.empty()) << name << ": the generator made a significant event: "
                                << (events.empty() ? "" : events[0].kind + " " + events[0].detail);
    std::map<std::string, int> by_agent;
    for (auto& c : calls_of(*cfg, s.ticks)) {
      EXPECT_FALSE(for_an_event(c.reason))
          << name << ": " << c.agent << " called at " << c.ts << " for " << c.reason;
      ++by_agent[c.agent];
    }
    // Event-driven agents stay silent; periodic ones call once at the first state and then
    // once an interval: 4 hours at 1 h and 2 h.
    EXPECT_EQ(by_agent["anomaly_detector"], 0) << name;
    EXPECT_EQ(by_agent["signal_validator"], 0) << name;
    EXPECT_LE(by_agent["market_regime"], 1 + 4) << name;
    EXPECT_LE(by_agent["portfolio_optimizer"], 1 + 2) << name;
  }
}

TEST(scenarios, deterministic_for_a_name_and_a_seed_and_written_as_a_readable_csv) {
  const auto a = make_scenario("flash_crash", 3), b = make_scenario("flash_crash", 3);
  EXPECT_EQ(scenario_csv(a), scenario_csv(b));
  EXPECT_NE(scenario_csv(a), scenario_csv(make_scenario("flash_crash", 4)));
  EXPECT_EQ(a.ticks.size(), 240u * 12u);
  EXPECT_THROW(make_scenario("no_such"), std::invalid_argument);
  EXPECT_EQ(scenario_csv(a).substr(0, 31), "ts,symbol,price,volume,bid,ask\n");
}
