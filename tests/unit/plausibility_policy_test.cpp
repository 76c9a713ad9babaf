#include <gtest/gtest.h>
#include <cmath>
#include <algorithm>
#include <random>

#include "actors/ingest/plausibility_policy.hpp"

using namespace tickgate;

namespace {

constexpr int64_t k_now = 1'700'000'000'000;  // the injected wall clock

tick at(const std::string& sym, int64_t ts, double price) {
  tick t;
  t.symbol = sym;
  t.ts = ts;
  t.price = price;
  return t;
}

plausibility_config small_window() {
  plausibility_config c;
  c.outlier_window = 8;
  c.outlier_min_samples = 4;
  c.outlier_mads = 10;
  c.outlier_min_pct = 5;
  c.outlier_confirm = 3;
  return c;
}

}  // namespace

TEST(plausibility, median_by_hand) {
  std::vector<double> odd{5, 1, 3}, even{4, 1, 3, 2}, none;
  EXPECT_DOUBLE_EQ(median_of(odd), 3);
  EXPECT_DOUBLE_EQ(median_of(even), 2.5);
  EXPECT_TRUE(std::isnan(median_of(none)));
}

TEST(plausibility, event_time_window_against_wall_clock_and_partition_high_water_mark) {
  plausibility_policy p{plausibility_config{}};
  EXPECT_TRUE(p.check(0, at("A", k_now, 10), k_now).ok);
  EXPECT_TRUE(p.check(0, at("A", k_now + 300'000, 10), k_now).ok);  // at the limit
  auto ahead = p.check(0, at("A", k_now + 300'001, 10), k_now);
  EXPECT_EQ(ahead.code, "future_ts");
  // The far-future print moved nothing: the high-water mark is still k_now + 300 s.
  EXPECT_TRUE(p.check(0, at("A", k_now + 300'000 - 3'600'000, 10), k_now).ok);
  EXPECT_EQ(p.check(0, at("A", k_now + 300'000 - 3'600'001, 10), k_now).code, "late_ts");
  // Another partition has its own mark.
  EXPECT_TRUE(p.check(1, at("A", k_now - 86'400'000, 10), k_now).ok);
  p.drop_partition(0);
  EXPECT_TRUE(p.check(0, at("A", k_now - 86'400'000, 10), k_now).ok);
}

TEST(plausibility, symbol_pattern_rejects_traversal_and_is_configurable) {
  plausibility_policy p{plausibility_config{}};
  for (auto s : {"BTCUSDT", "BTC/USD", "ES=F", "^GSPC", "BRK.B", "6E:CME", "ETF"})
    EXPECT_TRUE(p.check(0, at(s, k_now, 10), k_now).ok) << s;
  for (auto s : {"../../etc", "A..B", "-X", ".hidden", "A*", "A\"B"})
    EXPECT_EQ(p.check(0, at(s, k_now, 10), k_now).code, "bad_symbol") << s;
  plausibility_config c;
  c.symbol_pattern = "[A-Z]{3,6}";
  plausibility_policy strict{c};
  EXPECT_TRUE(strict.check(0, at("ABC", k_now, 10), k_now).ok);
  EXPECT_EQ(strict.check(0, at("abc", k_now, 10), k_now).code, "bad_symbol");
}

namespace {
// The price rule written plainly, median first (the policy skips the median when it can):
// returns "" for accepted, "shift" for a confirmed level shift, "outlier" for a quarantine.
struct plain_price_rule {
  plausibility_config cfg;
  std::vector<double> ring, suspects;
  size_t head = 0;
  static double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  }
  void remember(double p) {
    if (static_cast<int32_t>(ring.size()) < cfg.outlier_window) {
      ring.push_back(p);
    } else {
      ring[head] = p;
      head = (head + 1) % ring.size();
    }
  }
  std::string judge(double p) {
    if (static_cast<int32_t>(ring.size()) < cfg.outlier_min_samples) return remember(p), "";
    const double med = median(ring), dev = std::fabs(p - med), pct = dev / med * 100;
    std::vector<double> devs;
    for (double x : ring) devs.push_back(std::fabs(x - med));
    if (pct <= cfg.outlier_min_pct || dev <= cfg.outlier_mads * std::max(1.4826 * median(devs), med * 1e-4)) {
      suspects.clear();
      return remember(p), "";
    }
    if (!suspects.empty()) {
      const double sm = median(suspects);
      if ((sm > med) != (p > med) || std::fabs(p - sm) / sm * 100 > cfg.outlier_min_pct / 2) suspects.clear();
    }
    suspects.push_back(p);
    if (static_cast<int32_t>(suspects.size()) >= cfg.outlier_confirm) {
      ring = suspects;
      head = 0;
      suspects.clear();
      return "shift";
    }
    return "outlier";
  }
};
}  // namespace

TEST(plausibility, property_prices_are_judged_as_by_the_plain_median_rule) {
  // Random walks with jumps of every size, many right at the min_pct boundary.
  std::mt19937_64 rng(21);
  for (int run = 0; run < 40; ++run) {
    plausibility_config cfg = run % 2 ? small_window() : plausibility_config{};
    plausibility_policy policy{cfg};
    plain_price_rule plain{cfg};
    double price = 50 + static_cast<double>(rng() % 1000);
    for (int i = 0; i < 5'000; ++i) {
      const auto r = rng() % 100;
      double p = price * (1 + (static_cast<double>(rng() % 2001) - 1000) * 1e-6);
      if (r < 4) p = price * (1 + cfg.outlier_min_pct / 100 * (rng() % 2 ? 1 : -1) * (0.999 + (rng() % 3) * 0.001));
      else if (r < 6) p = price * (rng() % 2 ? 3 : 0.2);  // a fat finger
      else if (r < 7) p = std::round(price);              // flat prints
      const auto v = policy.check(0, at("S", k_now + i, p), k_now);
      const auto want = plain.judge(p);
      ASSERT_EQ(v.ok ? (v.level_shift ? "shift" : "") : v.code, want) << "run " << run << " tick " << i << " price " << p;
      if (v.ok) price = p;
    }
  }
}

TEST(plausibility, isolated_off_market_print_is_quarantined_and_changes_nothing) {
  plausibility_policy p{small_window()};
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(p.check(0, at("A", k_now + i, 100 + (i % 3) * 0.1), k_now).ok);
  auto bad = p.check(0, at("A", k_now + 10, 1000), k_now);  // a fat finger: 10x
  EXPECT_FALSE(bad.ok);
  EXPECT_EQ(bad.code, "outlier");
  EXPECT_EQ(p.check(0, at("A", k_now + 11, 1), k_now).code, "outlier");  // the other side
  // Normal prints go on; a later single bad print is still an outlier (the centre never moved).
  EXPECT_TRUE(p.check(0, at("A", k_now + 12, 100.2), k_now).ok);
  EXPECT_EQ(p.check(0, at("A", k_now + 13, 120), k_now).code, "outlier");
  EXPECT_TRUE(p.check(0, at("A", k_now + 14, 104.9), k_now).ok);  // 4.9%: not far enough in %
}

TEST(plausibility, consistent_prints_confirm_a_level_shift) {
  plausibility_policy p{small_window()};
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(p.check(0, at("A", k_now + i, 100), k_now).ok);
  EXPECT_EQ(p.check(0, at("A", k_now + 10, 80), k_now).code, "outlier");
  EXPECT_EQ(p.check(0, at("A", k_now + 11, 79.5), k_now).code, "outlier");
  auto third = p.check(0, at("A", k_now + 12, 80.2), k_now);
  EXPECT_TRUE(third.ok);
  EXPECT_TRUE(third.level_shift);
  // The new level is the centre now: 80 is normal, 100 would be the outlier.
  EXPECT_TRUE(p.check(0, at("A", k_now + 13, 80.1), k_now).ok);
  for (int i = 0; i < 6; ++i) p.check(0, at("A", k_now + 14 + i, 80), k_now);
  EXPECT_EQ(p.check(0, at("A", k_now + 30, 100), k_now).code, "outlier");
}

TEST(plausibility, inconsistent_outliers_never_confirm) {
  plausibility_policy p{small_window()};
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(p.check(0, at("A", k_now + i, 100), k_now).ok);
  // Alternating sides and scattered: each restarts the count.
  for (double bad : {150.0, 60.0, 170.0, 40.0, 150.0, 110.0 * 2})
    EXPECT_EQ(p.check(0, at("A", k_now + 10, bad), k_now).code, "outlier") << bad;
}

TEST(plausibility, flat_price_has_a_floor_on_its_scale) {
  plausibility_policy p{small_window()};
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(p.check(0, at("A", k_now + i, 50), k_now).ok);
  // MAD is 0; a 6% move is > 5% and > 10 x the 1 bp floor: an outlier, not a division by zero.
  EXPECT_EQ(p.check(0, at("A", k_now + 9, 53), k_now).code, "outlier");
  EXPECT_TRUE(p.check(0, at("A", k_now + 9, 51), k_now).ok);
}

// An idle symbol's price window goes with retention: a level that would have been an outlier
// against its old window is then simply its first price.
TEST(plausibility, an_idle_symbols_window_is_dropped_and_it_starts_cold) {
  constexpr int64_t k_day = 86'400'000;
  const int64_t t0 = k_now - 10 * k_day;
  plausibility_policy p{small_window()};
  p.set_idle_ms(7 * k_day);
  for (int i = 0; i < 8; ++i) EXPECT_TRUE(p.check(0, at("OLD", t0 + i * 1000, 100), k_now).ok);
  EXPECT_TRUE(p.check(1, at("BUSY", t0, 50), k_now).ok);
  EXPECT_EQ(p.check(0, at("OLD", t0 + k_day, 150), k_now).code, "outlier");  // against its window
  // An hour short of seven days after OLD's last tick: kept.
  EXPECT_TRUE(p.check(1, at("BUSY", t0 + 8 * k_day - 3'600'000, 50), k_now).ok);
  EXPECT_EQ(p.symbols(), 2u);
  // An hour past: dropped, and the same print is now OLD's first price.
  EXPECT_TRUE(p.check(1, at("BUSY", t0 + 8 * k_day + 3'600'000, 50), k_now).ok);
  EXPECT_EQ(p.symbols(), 1u);
  EXPECT_TRUE(p.check(0, at("OLD", t0 + 8 * k_day + 3'600'001, 150), k_now).ok);
}
