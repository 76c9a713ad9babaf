// The market watch on hand-computed cases: each measure fires at its threshold, again when it
// intensifies or holds, volume again every minute a surge goes on, and events of one kind are
// spaced by follow_up without being lost. A checkpoint taken mid-stream changes nothing.
#include <gtest/gtest.h>

#include <cmath>

#include "actors/prioritise/market_watch.hpp"
#include "common/state_codec.hpp"

using namespace tickgate;

namespace {

constexpr int64_t k_s = 1000;
constexpr int64_t k_min = 60 * k_s;
constexpr int64_t k_t0 = 1'700'000'000'000 - (1'700'000'000'000 % k_min);

tick mk(double price, int64_t ts, double volume = k_absent) {
  tick t;
  t.symbol = "XYZ";
  t.ts = ts;
  t.price = price;
  t.volume = volume;
  return t;
}

tick quote(double bid, double ask, int64_t ts) {
  tick t = mk((bid + ask) / 2, ts);
  t.bid = bid;
  t.ask = ask;
  return t;
}

// Only the kind under test is live; the others cannot fire on the inputs below.
watch_config only_moves() {
  watch_config c;
  c.move_windows_ms = {60 * k_s};
  c.volume_windows_min = {};
  c.follow_up_ms = 0;
  return c;
}

struct watch {
  watch_config cfg;
  watch_state state;
  std::vector<market_event> feed(const tick& t) {
    std::vector<market_event> out;
    watch_tick(cfg, state, t, out);
    return out;
  }
  int count(const tick& t, event_type type) {
    int n = 0;
    for (auto& e : feed(t)) n += e.type == static_cast<uint8_t>(type);
    return n;
  }
};

}  // namespace

TEST(level_trigger, fires_at_threshold_then_on_intensifying_or_holding_and_rearms_below) {
  watch_config c;  // intensify 1.1, repeat 120 s
  level_trigger t;
  EXPECT_FALSE(t.step(2.99, 0, c, 3.0));
  EXPECT_TRUE(t.step(3.0, 1, c, 3.0));   // at the threshold
  EXPECT_FALSE(t.step(3.29, 2, c, 3.0)); // below 3.0 x 1.1 = 3.3
  EXPECT_TRUE(t.step(3.31, 3, c, 3.0));  // intensified
  EXPECT_FALSE(t.step(3.32, 4, c, 3.0)); // below 3.31 x 1.1
  EXPECT_FALSE(t.step(3.32, 2 + 120 * k_s, c, 3.0));
  EXPECT_TRUE(t.step(3.32, 3 + 120 * k_s, c, 3.0));  // held for the repeat interval
  EXPECT_FALSE(t.step(2.0, 200 * k_s, c, 3.0));      // fell back: re-armed
  EXPECT_TRUE(t.step(3.0, 201 * k_s, c, 3.0));
}

TEST(market_watch, sharp_move_up_and_down_within_the_window_by_hand) {
  watch w{only_moves(), {}};
  EXPECT_EQ(w.count(mk(100, k_t0), event_type::sharp_move), 0);
  EXPECT_EQ(w.count(mk(100.79, k_t0 + 10 * k_s), event_type::sharp_move), 0);  // +0.79%
  auto ev = w.feed(mk(100.8, k_t0 + 20 * k_s));                                // +0.80% from 100
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].type, static_cast<uint8_t>(event_type::sharp_move));
  EXPECT_EQ(ev[0].prio, static_cast<uint8_t>(priority::high));
  EXPECT_NEAR(ev[0].magnitude, 0.8, 1e-9);
  EXPECT_EQ(ev[0].reason, "price +0.80% over 60 s");
  EXPECT_EQ(w.count(mk(100.85, k_t0 + 30 * k_s), event_type::sharp_move), 0);  // 0.85 < 0.8 x 1.1
  EXPECT_EQ(w.count(mk(100.89, k_t0 + 40 * k_s), event_type::sharp_move), 1);  // 0.89 >= 0.88
  // 100 left the window at t0 + 60 s: the low is now 100.79 (t0 + 10 s) until that leaves too.
  EXPECT_EQ(w.count(mk(100.9, k_t0 + 61 * k_s), event_type::sharp_move), 0);
  // Down from the window's high 100.9 by 0.8%: 100.0928.
  EXPECT_EQ(w.count(mk(100.10, k_t0 + 70 * k_s), event_type::sharp_move), 0);
  EXPECT_EQ(w.count(mk(100.09, k_t0 + 71 * k_s), event_type::sharp_move), 1);
}

TEST(market_watch, volume_surge_against_each_window_mean_and_again_every_minute_it_goes_on) {
  watch w;
  w.cfg.move_windows_ms = {};
  w.cfg.volume_windows_min = {2, 4};
  w.cfg.follow_up_ms = 0;
  // One tick a minute carrying that minute's volume: 10, 10, 20, 40.
  const double vols[] = {10, 10, 20, 40};
  for (int m = 0; m < 4; ++m) EXPECT_EQ(w.count(mk(100, k_t0 + m * k_min, vols[m]), event_type::volume_surge), 0);
  // Minute 4: the 2-minute mean is 30, the 4-minute mean 20. 69 is 3.45x the 4-minute mean.
  auto ev = w.feed(mk(100, k_t0 + 4 * k_min, 69));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].type, static_cast<uint8_t>(event_type::volume_surge));
  EXPECT_NEAR(ev[0].magnitude, 69.0 / 20, 1e-9);
  EXPECT_EQ(ev[0].reason, "minute volume 3.45x the mean of the 4 minutes before");
  // Minute 5 goes on: means (40 + 69) / 2 = 54.5 and (10 + 20 + 40 + 69) / 4 = 34.75; the
  // surge builds tick by tick within the minute and fires when it reaches 3 x 34.75.
  EXPECT_EQ(w.count(mk(100, k_t0 + 5 * k_min, 100), event_type::volume_surge), 0);
  EXPECT_EQ(w.count(mk(100, k_t0 + 5 * k_min + 10 * k_s, 4.25), event_type::volume_surge), 1);  // 104.25
  // Minute 6, quiet: nothing.
  EXPECT_EQ(w.count(mk(100, k_t0 + 6 * k_min, 20), event_type::volume_surge), 0);
}

TEST(market_watch, idle_minutes_count_as_zero_volume) {
  watch w;
  w.cfg.move_windows_ms = {};
  w.cfg.volume_windows_min = {4};
  w.cfg.follow_up_ms = 0;
  w.feed(mk(100, k_t0, 40));
  // Three idle minutes, then minute 4: the mean of minutes 0..3 is 40 / 4 = 10.
  EXPECT_EQ(w.count(mk(100, k_t0 + 4 * k_min, 29), event_type::volume_surge), 0);
  EXPECT_EQ(w.count(mk(100, k_t0 + 4 * k_min + 1, 1), event_type::volume_surge), 1);  // 30 = 3x
}

TEST(market_watch, events_of_one_kind_are_spaced_and_a_trigger_inside_the_spacing_is_kept) {
  watch w{only_moves(), {}};
  w.cfg.follow_up_ms = 30 * k_s;
  w.feed(mk(100, k_t0));
  EXPECT_EQ(w.count(mk(100.8, k_t0 + 1 * k_s), event_type::sharp_move), 1);
  EXPECT_EQ(w.count(mk(100.9, k_t0 + 2 * k_s), event_type::sharp_move), 0);  // fired, held back
  EXPECT_EQ(w.count(mk(100.5, k_t0 + 20 * k_s), event_type::sharp_move), 0);
  auto ev = w.feed(mk(100.5, k_t0 + 31 * k_s));  // the held-back trigger, once 30 s passed
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_NEAR(ev[0].magnitude, 0.9, 1e-9);
  EXPECT_EQ(w.count(mk(100.5, k_t0 + 62 * k_s), event_type::sharp_move), 0);  // nothing pending
}

TEST(market_watch, spread_blowout_against_the_median_of_the_window) {
  watch w;
  w.cfg.move_windows_ms = {};
  w.cfg.volume_windows_min = {};
  w.cfg.follow_up_ms = 0;
  // 20 quotes a second apart with spread 0.02: the median is 0.02 from the 20th on.
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(w.count(quote(100, 100.02, k_t0 + i * k_s), event_type::spread_blowout), 0);
  EXPECT_EQ(w.count(quote(100, 100.0359, k_t0 + 20 * k_s), event_type::spread_blowout), 0);  // 1.795x
  auto ev = w.feed(quote(100, 100.0361, k_t0 + 21 * k_s));                                   // 1.805x
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].type, static_cast<uint8_t>(event_type::spread_blowout));
  EXPECT_EQ(w.count(mk(100, k_t0 + 22 * k_s), event_type::spread_blowout), 0);  // no quote, no judgement
}

TEST(market_watch, volatility_jump_when_recent_minute_returns_swing_wider) {
  watch w;
  w.cfg.move_windows_ms = {};
  w.cfg.volume_windows_min = {};
  w.cfg.vol_window_minutes = 5;
  w.cfg.follow_up_ms = 0;
  // Closes alternate 100 / 100.1 for minutes 0..5, then 100 / 100.3. The tick of minute m
  // closes minute m - 1 and adds the return of m - 1 over m - 2, so at minute 11 the ten
  // returns are r1..r5 = +-0.1% (stdev 0.110%) and r6..r10 = -0.1, +-0.3% (stdev 0.303%):
  // 2.77x, the first time the recent five swing at least twice as wide.
  int fired_at = -1;
  for (int m = 0; m < 14; ++m) {
    const double close = m < 6 ? (m % 2 ? 100.1 : 100) : (m % 2 ? 100.3 : 100);
    if (w.count(mk(close, k_t0 + m * k_min), event_type::volatility_jump) && fired_at < 0) fired_at = m;
  }
  EXPECT_EQ(fired_at, 11);
}

TEST(market_watch, disabled_is_silent) {
  watch w;
  w.cfg.enabled = false;
  w.feed(mk(100, k_t0, 1));
  EXPECT_TRUE(w.feed(mk(150, k_t0 + k_s, 1e9)).empty());
}

TEST(market_watch, property_a_checkpoint_mid_stream_changes_no_event) {
  watch_config c;
  watch a{c, {}};
  std::vector<tick> ticks;
  uint64_t x = 7;
  double price = 100;
  for (int i = 0; i < 6000; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    price *= 1 + (static_cast<double>(x >> 40) / static_cast<double>(1ULL << 24) - 0.5) * 0.004;
    tick t = quote(price * 0.9999, price * (1.0001 + ((x >> 20) % 97 == 0 ? 0.001 : 0)), k_t0 + i * 3 * k_s);
    t.volume = ((x >> 8) % 53 == 0) ? 500 : 10 + static_cast<double>((x >> 12) % 10);
    ticks.push_back(t);
  }
  std::vector<std::string> straight, resumed;
  watch b{c, {}};
  for (size_t i = 0; i < ticks.size(); ++i) {
    for (auto& e : a.feed(ticks[i])) straight.push_back(std::to_string(i) + e.reason);
    if (i == ticks.size() / 2) {  // b restarts from a checkpoint of itself
      state_writer wr;
      b.state.save(wr);
      b.state = watch_state{};
      state_reader rd(wr.bytes());
      b.state.load(rd);
      EXPECT_TRUE(rd.done());
    }
    for (auto& e : b.feed(ticks[i])) resumed.push_back(std::to_string(i) + e.reason);
  }
  EXPECT_GT(straight.size(), 20u);  // the stream has events of several kinds to compare
  EXPECT_EQ(straight, resumed);
}
