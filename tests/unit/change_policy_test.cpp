#include <gtest/gtest.h>

#include "actors/change/change_policy.hpp"

using namespace tickgate;

namespace {
snapshot snap(double price, double rsi = k_absent, double vol = k_absent, double macd = k_absent) {
  snapshot s;
  s.price = price;
  s.rsi = rsi;
  s.volatility_pct = vol;
  s.macd = macd;
  return s;
}
}  // namespace

TEST(change_policy, price_threshold_just_below_and_above) {
  change_config c;  // price 3% / 5.00 abs, +25
  c.price_abs = 5.0;
  agent_config a;
  EXPECT_DOUBLE_EQ(score_change(c, a, snap(102.9), 0, snap(100), 0).score, 0);   // 2.9%, 2.90
  EXPECT_DOUBLE_EQ(score_change(c, a, snap(103.1), 0, snap(100), 0).score, 25);  // 3.1%
  // Absolute rule: 0.55% but 5.50 in price.
  EXPECT_DOUBLE_EQ(score_change(c, a, snap(1005.5), 0, snap(1000), 0).score, 25);
  EXPECT_DOUBLE_EQ(score_change(c, a, snap(1004.9), 0, snap(1000), 0).score, 0);
}

TEST(change_policy, default_score_is_the_seed_score_without_volatility) {
  change_config c;
  agent_config a;
  // RSI +6 (+30) and a 20% volatility jump: 30, not over 40 (volatility is not scored).
  auto s = score_change(c, a, snap(100, 56, 1.2), 0, snap(100, 50, 1.0), 0);
  EXPECT_DOUBLE_EQ(s.score, 30);
  EXPECT_NEAR(s.change_pct, 20, 1e-9);  // but it counts as a 20% change for change_based
}

TEST(change_policy, price_abs_zero_is_off) {
  change_config c;  // default: price_abs 0
  agent_config a;
  a.weight_price = 2.0;
  EXPECT_DOUBLE_EQ(score_change(c, a, snap(23168.89), 0, snap(23142.31), 0).score, 0);  // +0.11%
  EXPECT_DOUBLE_EQ(score_change(c, a, snap(23900), 0, snap(23142.31), 0).score, 50);    // +3.27%
}

TEST(change_policy, components_add_up_and_weights_apply) {
  change_config c;
  c.volatility_points = 15;
  agent_config a;
  // price +3.1% (+25), RSI +6 (+30), vol 1.0 -> 1.2 (+20% rel, +0.2 abs: +15), MACD flip (+20).
  auto s = score_change(c, a, snap(103.1, 56, 1.2, 0.5), 0, snap(100, 50, 1.0, -0.5), 0);
  EXPECT_DOUBLE_EQ(s.score, 25 + 30 + 15 + 20);
  a.weight_price = 2.0;
  a.weight_volatility = 2.0;
  s = score_change(c, a, snap(103.1, 54.9, 1.2), 0, snap(100, 50, 1.0), 0);
  EXPECT_DOUBLE_EQ(s.score, 25 * 2.0 + 15 * 2.0);
  // RSI just below its threshold (4.9 points) adds nothing.
  a = agent_config{};
  EXPECT_DOUBLE_EQ(score_change(c, a, snap(100, 54.9), 0, snap(100, 50), 0).score, 0);
}

TEST(change_policy, volatility_needs_relative_and_absolute_change) {
  change_config c;  // 10% relative and 0.05 absolute
  c.volatility_points = 15;
  agent_config a;
  EXPECT_DOUBLE_EQ(score_change(c, a, snap(100, k_absent, 0.44), 0, snap(100, k_absent, 0.4), 0).score,
                   0);  // +10%... exactly 10% is not > 10%, and 0.04 < 0.05
  EXPECT_DOUBLE_EQ(score_change(c, a, snap(100, k_absent, 0.46), 0, snap(100, k_absent, 0.4), 0).score,
                   15);  // +15%, +0.06
  EXPECT_DOUBLE_EQ(score_change(c, a, snap(100, k_absent, 0.033), 0, snap(100, k_absent, 0.03), 0).score,
                   0);  // +10% rel but only 0.003 abs
}

TEST(change_policy, baseline_moves_only_on_significant_change) {
  change_config c;
  agent_config a;
  a.name = "x";
  a.strategy.kind = sampling_kind::periodic;
  change_policy p(c, {a});
  auto work = [](double price, int64_t ts) {
    tick_work w;
    w.t.symbol = "S";
    w.t.ts = ts;
    w.snap = snap(price, 50);
    w.verdicts.resize(1);
    return w;
  };
  auto w = work(100, 0);
  p.assess(w);
  EXPECT_TRUE(w.verdicts[0].changed);  // first state
  w = work(102, 1);  // 2%: not significant (25 points needs 3%)
  p.assess(w);
  EXPECT_FALSE(w.verdicts[0].changed);
  w = work(103.5, 2);  // 3.5% vs baseline 100 -> 25 points: still <= 40
  p.assess(w);
  EXPECT_FALSE(w.verdicts[0].changed);
  EXPECT_NEAR(w.verdicts[0].change_pct, 3.5, 1e-9);
  w = work(103.5, 2 + c.max_age_ms + 1);  // baseline too old: time decay
  p.assess(w);
  EXPECT_TRUE(w.verdicts[0].changed);
  w = work(104, 3 + c.max_age_ms + 1);  // compared with the new baseline 103.5
  p.assess(w);
  EXPECT_FALSE(w.verdicts[0].changed);
  EXPECT_NEAR(w.verdicts[0].change_pct, (104 / 103.5 - 1) * 100, 1e-9);
}

TEST(change_policy, change_based_strategy_triggers_at_its_own_threshold) {
  change_config c;
  agent_config a;
  a.strategy.kind = sampling_kind::change_based;
  a.strategy.change_pct = 10;
  change_policy p(c, {a});
  auto work = [](double vol) {
    tick_work w;
    w.t.symbol = "S";
    w.snap = snap(100, k_absent, vol);
    w.verdicts.resize(1);
    return w;
  };
  auto w = work(1.0);
  p.assess(w);
  w = work(1.099);  // 9.9%
  p.assess(w);
  EXPECT_FALSE(w.verdicts[0].changed);
  w = work(1.101);  // 10.1%
  p.assess(w);
  EXPECT_TRUE(w.verdicts[0].changed);
}
