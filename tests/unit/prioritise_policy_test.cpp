#include <gtest/gtest.h>

#include <algorithm>

#include "actors/prioritise/prioritise_policy.hpp"

using namespace tickgate;

namespace {

constexpr int64_t k_min = 60'000;
constexpr int64_t k_t0 = 1'700'000'000'000 - (1'700'000'000'000 % k_min);  // a minute boundary

tick mk(double price, int64_t ts, double volume = k_absent) {
  tick t;
  t.symbol = "XYZ";
  t.ts = ts;
  t.price = price;
  t.volume = volume;
  return t;
}

bool has(const std::vector<market_event>& evs, event_type type) {
  return std::any_of(evs.begin(), evs.end(),
                     [&](const market_event& e) { return e.type == static_cast<uint8_t>(type); });
}

struct fixture {
  explicit fixture(event_thresholds t = {}) : policy(t) {}
  std::vector<market_event> feed(const tick& t) {
    policy.assess(t, snap, events);
    return events;
  }
  prioritise_policy policy;
  snapshot snap;
  std::vector<market_event> events;
};

}  // namespace

TEST(prioritise_policy, plain_tick_is_one_low_price_update) {
  fixture f;
  auto ev = f.feed(mk(100, k_t0));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].type, static_cast<uint8_t>(event_type::price_update));
  EXPECT_EQ(ev[0].prio, static_cast<uint8_t>(priority::low));
}

TEST(prioritise_policy, price_change_fires_at_threshold_not_below) {
  fixture f;  // price_change_pct 0.5
  f.feed(mk(100.0, k_t0));
  EXPECT_FALSE(has(f.feed(mk(100.499, k_t0 + 1)), event_type::price_change));  // 0.499%
  auto ev = f.feed(mk(100.5, k_t0 + 2));                                        // 0.5%
  ASSERT_TRUE(has(ev, event_type::price_change));
  EXPECT_EQ(ev[0].prio, static_cast<uint8_t>(priority::medium));
  // The anchor moved to 100.5: +0.4975% from there is not an event.
  EXPECT_FALSE(has(f.feed(mk(101.0, k_t0 + 3)), event_type::price_change));
  EXPECT_NEAR(f.snap.move_pct, (101.0 / 100.5 - 1) * 100, 1e-12);
}

TEST(prioritise_policy, rsi_on_minute_closes_matches_wilder_by_hand) {
  event_thresholds t;
  t.rsi_period = 2;
  t.price_change_pct = 100;  // keep other events out of the way
  fixture f(t);
  // Minute closes 10, 11, 10.5, 11.5. Changes +1, -0.5, +1.
  // After 2 changes: avg_gain 0.5, avg_loss 0.25 -> RSI 66.667 (no crossing yet).
  // Third change (Wilder): gain (0.5+1)/2 = 0.75, loss (0.25+0)/2 = 0.125 -> RSI 100-100/7.
  f.feed(mk(10, k_t0));
  f.feed(mk(11, k_t0 + k_min));
  f.feed(mk(10.5, k_t0 + 2 * k_min));
  f.feed(mk(11.5, k_t0 + 3 * k_min));
  EXPECT_NEAR(f.snap.rsi, 100.0 - 100.0 / 3.0, 1e-9);
  auto ev = f.feed(mk(11.5, k_t0 + 4 * k_min));  // closes minute 3
  EXPECT_NEAR(f.snap.rsi, 100.0 - 100.0 / 7.0, 1e-9);
  ASSERT_TRUE(has(ev, event_type::signal));
  EXPECT_EQ(ev[0].prio, static_cast<uint8_t>(priority::high));
}

TEST(prioritise_policy, volume_spike_at_multiplier_then_anomaly_once_per_minute) {
  event_thresholds t;
  t.price_change_pct = 100;
  t.anomaly_volume_multiplier = 10;
  fixture f(t);  // spike 2x, anomaly 10x, needs 5 completed minutes
  for (int m = 0; m < 5; ++m) f.feed(mk(50, k_t0 + m * k_min, 100));  // avg stays exactly 100
  EXPECT_FALSE(has(f.feed(mk(50, k_t0 + 5 * k_min, 150)), event_type::volume_spike));
  EXPECT_FALSE(has(f.feed(mk(50, k_t0 + 5 * k_min + 1, 49)), event_type::volume_spike));  // 1.99x
  auto ev = f.feed(mk(50, k_t0 + 5 * k_min + 2, 1));                                     // 2.00x
  EXPECT_TRUE(has(ev, event_type::volume_spike));
  EXPECT_NEAR(f.snap.volume_ratio, 2.0, 1e-12);
  EXPECT_FALSE(has(f.feed(mk(50, k_t0 + 5 * k_min + 3, 1)), event_type::volume_spike));  // once
  ev = f.feed(mk(50, k_t0 + 5 * k_min + 4, 799));  // 150+49+1+1+799 = 1000 = 10x
  ASSERT_TRUE(has(ev, event_type::anomaly));
  EXPECT_EQ(ev[0].prio, static_cast<uint8_t>(priority::critical));
  EXPECT_FALSE(has(f.feed(mk(50, k_t0 + 5 * k_min + 5, 5000)), event_type::anomaly));
}

TEST(prioritise_policy, resistance_break_needs_margin_and_cooldown_then_fires_while_it_holds) {
  fixture f;  // window 1 h, levels from minutes >= 5 min old, margin 0.1%, cooldown 5 min
  for (int m = 0; m < 10; ++m) f.feed(mk(100, k_t0 + m * k_min));
  const int64_t now = k_t0 + 10 * k_min;
  EXPECT_FALSE(has(f.feed(mk(100.09, now)), event_type::resistance_break));
  EXPECT_DOUBLE_EQ(f.snap.resistance, 100);
  auto ev = f.feed(mk(100.11, now + 1));
  ASSERT_TRUE(has(ev, event_type::resistance_break));
  EXPECT_EQ(ev[0].prio, static_cast<uint8_t>(priority::critical));
  EXPECT_FALSE(has(f.feed(mk(100.2, now + 2)), event_type::resistance_break));  // cooling
  f.feed(mk(99.99, now + 3));
  EXPECT_FALSE(has(f.feed(mk(100.11, now + 4)), event_type::resistance_break));  // still cooling
  // Five minutes on, the level is 100.2 (minute 10's high): 100.25 holds beyond it by 0.05%,
  // not enough; 100.31 is a new break although the price never went back below a level.
  const int64_t cooled = now + 1 + 5 * k_min;
  EXPECT_FALSE(has(f.feed(mk(100.2, cooled - 1)), event_type::resistance_break));
  EXPECT_DOUBLE_EQ(f.snap.resistance, 100.2);
  EXPECT_FALSE(has(f.feed(mk(100.25, cooled)), event_type::resistance_break));
  EXPECT_TRUE(has(f.feed(mk(100.31, cooled + 1)), event_type::resistance_break));
}

TEST(prioritise_policy, support_break_mirrors_resistance) {
  fixture f;
  for (int m = 0; m < 10; ++m) f.feed(mk(100, k_t0 + m * k_min));
  const int64_t now = k_t0 + 10 * k_min;
  EXPECT_FALSE(has(f.feed(mk(99.91, now)), event_type::support_break));
  EXPECT_TRUE(has(f.feed(mk(99.89, now + 1)), event_type::support_break));
}

TEST(prioritise_policy, return_zscore_anomaly_after_min_samples) {
  event_thresholds t;
  t.anomaly_min_samples = 20;
  t.anomaly_zscore = 8;
  t.price_change_pct = 100;
  t.volatility_threshold_pct = 100;
  fixture f(t);
  double p = 100;
  for (int i = 0; i < 40; ++i) {  // returns alternate +-0.01%
    p *= (i % 2 ? 0.9999 : 1.0001);
    EXPECT_FALSE(has(f.feed(mk(p, k_t0 + i)), event_type::anomaly));
  }
  EXPECT_TRUE(has(f.feed(mk(p * 1.01, k_t0 + 41)), event_type::anomaly));  // ~100 sigma
}

TEST(prioritise_policy, high_volatility_is_edge_triggered) {
  event_thresholds t;
  t.volatility_threshold_pct = 1.0;
  t.price_change_pct = 100;
  t.anomaly_zscore = 1000;
  fixture f(t);
  f.feed(mk(100, k_t0));
  // One 1.2% return: realised vol over the window = 1.2% >= 1%.
  EXPECT_TRUE(has(f.feed(mk(101.2, k_t0 + 1)), event_type::high_volatility));
  EXPECT_NEAR(f.snap.volatility_pct, 1.2, 1e-9);
  EXPECT_FALSE(has(f.feed(mk(101.2, k_t0 + 2)), event_type::high_volatility));  // still above
  // Once the return leaves the 15-minute window, vol drops; the next jump fires again.
  f.feed(mk(101.2, k_t0 + 1 + t.volatility_window_ms));
  EXPECT_NEAR(f.snap.volatility_pct, 0.0, 1e-12);
  EXPECT_TRUE(has(f.feed(mk(102.5, k_t0 + 2 + t.volatility_window_ms)), event_type::high_volatility));
}

TEST(prioritise_policy, spread_from_bid_ask) {
  fixture f;
  tick t = mk(100, k_t0);
  t.bid = 99.95;
  t.ask = 100.05;
  f.feed(t);
  EXPECT_NEAR(f.snap.spread_bps, 10.0, 1e-9);  // 0.10 / 100 = 10 bp
}

TEST(prioritise_policy, volatility_rank_is_the_percentile_among_minute_samples) {
  event_thresholds t;
  t.price_change_pct = 100;
  t.volatility_threshold_pct = 100;
  t.anomaly_zscore = 1000;
  t.volatility_window_ms = 30 * 60'000;  // keeps every return of this test in the window
  fixture f(t);
  // 40 calm minutes: one tiny return each, so realised vol grows slowly minute by minute.
  double p = 100;
  for (int m = 0; m < 40; ++m) f.feed(mk(p *= 1.0001, k_t0 + m * k_min));
  // A 2% jump: realised vol above every sample of the history -> rank 100.
  f.feed(mk(p * 1.02, k_t0 + 40 * k_min + 1));
  ASSERT_TRUE(present(f.snap.volatility_rank));
  EXPECT_DOUBLE_EQ(f.snap.volatility_rank, 100.0);
}

TEST(prioritise_policy, idle_symbols_are_those_whose_last_tick_is_before_the_cutoff) {
  fixture f;
  auto a = mk(100, k_t0 + 30'000);  // last tick in the minute [t0, t0 + 1 min)
  a.symbol = "A";
  auto b = mk(100, k_t0 + k_min);  // in the next minute
  b.symbol = "B";
  f.feed(a);
  f.feed(b);
  EXPECT_TRUE(f.policy.idle_symbols(k_t0 + 30'000).empty());  // A's minute is not over yet
  EXPECT_EQ(f.policy.idle_symbols(k_t0 + k_min), std::vector<std::string>{"A"});
  EXPECT_EQ(f.policy.idle_symbols(k_t0 + 2 * k_min), (std::vector<std::string>{"A", "B"}));
  f.policy.forget("A");
  EXPECT_EQ(f.policy.idle_symbols(k_t0 + 2 * k_min), std::vector<std::string>{"B"});
}

// The levels are kept per minute: the same within a minute, recomputed when a minute closes and
// when the thresholds change mid-minute (a config update).
TEST(prioritise_policy, levels_follow_a_closed_minute_and_a_threshold_change_within_a_minute) {
  fixture f;  // window 1 h, levels from minutes >= 5 min old
  for (int m = 0; m < 10; ++m) f.feed(mk(m == 2 ? 101 : 100, k_t0 + m * k_min));
  const int64_t now = k_t0 + 10 * k_min;
  f.feed(mk(100, now));
  EXPECT_DOUBLE_EQ(f.snap.resistance, 101);  // minute 2's high
  f.feed(mk(100, now + 1));
  EXPECT_DOUBLE_EQ(f.snap.resistance, 101);
  event_thresholds narrow;
  narrow.sr_window_ms = 5 * k_min;  // only minute 5 is old enough and recent enough now
  f.policy.set_thresholds(narrow);
  f.feed(mk(100, now + 2));
  EXPECT_DOUBLE_EQ(f.snap.resistance, 100);
  f.policy.set_thresholds(event_thresholds{});
  f.feed(mk(100, now + 3));
  EXPECT_DOUBLE_EQ(f.snap.resistance, 101);
  // Minute 11 closes at 102 high: five minutes later it is a level.
  for (int m = 11; m < 17; ++m) f.feed(mk(m == 11 ? 102 : 100, k_t0 + m * k_min));
  f.feed(mk(100, k_t0 + 16 * k_min + 1));
  EXPECT_DOUBLE_EQ(f.snap.resistance, 102);
}
