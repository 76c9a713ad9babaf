// The backtest's pure parts by hand: the significant-event judge on constructed tick series,
// coverage and reaction delays, the naive strategies' timelines, and a small report whose
// figures are worked out here.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "backtest/coverage.hpp"
#include "backtest/judge_grid.hpp"
#include "backtest/report.hpp"

using namespace tickgate;

namespace {
constexpr int64_t k_t0 = 1677628800000;  // 2023-03-01T00:00:00Z
constexpr int64_t k_s = 1000, k_min = 60'000;

tick at(int64_t ts, double price, double volume = 1, const std::string& symbol = "S") {
  tick t;
  t.symbol = symbol;
  t.ts = ts;
  t.price = price;
  t.volume = volume;
  return t;
}

std::shared_ptr<const config> cfg_with(std::vector<std::string> sets) {
  return load_config(std::string(TICKGATE_SOURCE_DIR) + "/config/default.json", sets);
}

std::vector<significant_event> feed(const std::vector<tick>& ticks, const significance_config& c) {
  significance_detector d(c);
  std::vector<significant_event> out;
  for (auto& t : ticks) d.observe(t, out);
  return out;
}

std::vector<significant_event> of_kind(const std::vector<significant_event>& v, const std::string& k) {
  std::vector<significant_event> out;
  for (auto& e : v)
    if (e.kind == k) out.push_back(e);
  return out;
}
}  // namespace

TEST(significance, price_move_from_the_window_low_then_cooldown) {
  significance_config c;  // 1% within 300 s, cooldown 900 s
  std::vector<tick> ticks;
  for (int i = 0; i < 30; ++i) ticks.push_back(at(k_t0 + i * 10 * k_s, 100.0));
  ticks.push_back(at(k_t0 + 300 * k_s, 100.9));  // 0.9%: not yet
  ticks.push_back(at(k_t0 + 310 * k_s, 101.0));  // 1.0% above the low of the last 300 s
  ticks.push_back(at(k_t0 + 320 * k_s, 102.5));  // more, but within the cooldown
  auto e = of_kind(feed(ticks, c), "price_move");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].ts, k_t0 + 310 * k_s);
  // Old prices leave the window: at 1300 s the window (1000..1300 s) holds no earlier tick,
  // so 101.4, though 1.07% below the old high of 102.5, is no move.
  ticks.push_back(at(k_t0 + 1300 * k_s, 101.4));
  EXPECT_EQ(of_kind(feed(ticks, c), "price_move").size(), 1u);
}

TEST(significance, volume_spike_needs_a_full_history_and_fires_once_a_minute) {
  significance_config c;
  c.volume_avg_minutes = 20;  // 5x the mean of 20 minutes
  std::vector<tick> ticks;
  for (int m = 0; m < 20; ++m) ticks.push_back(at(k_t0 + m * k_min, 100, 10));  // 10 a minute
  ticks.push_back(at(k_t0 + 20 * k_min, 100, 30));       // minute 20: 30 so far
  ticks.push_back(at(k_t0 + 20 * k_min + 10 * k_s, 100, 19));  // 49: below 50
  ticks.push_back(at(k_t0 + 20 * k_min + 20 * k_s, 100, 1));   // 50 = 5 x 10: spike
  ticks.push_back(at(k_t0 + 20 * k_min + 30 * k_s, 100, 100)); // same minute: not again
  auto e = of_kind(feed(ticks, c), "volume_spike");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].ts, k_t0 + 20 * k_min + 20 * k_s);
  // Nineteen minutes of history are not enough.
  std::vector<tick> short_history(ticks.begin() + 1, ticks.end());
  EXPECT_TRUE(of_kind(feed(short_history, c), "volume_spike").empty());
}

TEST(significance, sr_break_beyond_the_aged_high_once_a_full_window_was_seen) {
  significance_config c;  // 3600 s window, prices at least 300 s old, margin 0.1%
  std::vector<tick> ticks;
  for (int i = 0; i <= 360; ++i) ticks.push_back(at(k_t0 + i * 10 * k_s, i % 2 ? 101.0 : 99.0));
  // 3610 s: resistance 101 (aged), break above 101 x 1.001 = 101.101.
  ticks.push_back(at(k_t0 + 3610 * k_s, 101.1));  // within the margin
  ticks.push_back(at(k_t0 + 3620 * k_s, 101.2));  // beyond it
  auto e = of_kind(feed(ticks, c), "sr_break");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].ts, k_t0 + 3620 * k_s);
  // The same series 100 s shorter has not seen a whole window when the price breaks out.
  std::vector<tick> early;
  for (int i = 0; i <= 340; ++i) early.push_back(at(k_t0 + i * 10 * k_s, i % 2 ? 101.0 : 99.0));
  early.push_back(at(k_t0 + 3420 * k_s, 101.2));
  EXPECT_TRUE(of_kind(feed(early, c), "sr_break").empty());
}

TEST(significance, volatility_jump_when_recent_returns_swing_twice_as_wide) {
  significance_config c;
  c.vol_window_minutes = 4;  // 4 returns vs the 4 before
  c.vol_jump_factor = 2.0;
  // Minute closes alternate around 100 by +-0.1%, then by +-0.3%: the stdev triples.
  std::vector<double> closes{100, 100.1, 100, 100.1, 100, 100.3, 100, 100.3, 100};
  std::vector<tick> ticks;
  for (size_t m = 0; m < closes.size(); ++m) ticks.push_back(at(k_t0 + static_cast<int64_t>(m) * k_min, closes[m]));
  ticks.push_back(at(k_t0 + 9 * k_min, 100));  // closes minute 8: the 8th return completes the windows
  auto e = of_kind(feed(ticks, c), "volatility_jump");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].ts, k_t0 + 9 * k_min);
}

TEST(significance, spread_blowout_against_the_median_of_the_window_quotes_only) {
  significance_config c;  // factor 2, window 1800 s, 20 quotes and half a window first
  std::vector<tick> ticks;
  auto q = [&](int64_t ts, double spread) {
    tick t = at(ts, 100);
    t.bid = 100;
    t.ask = 100 + spread;
    ticks.push_back(t);
  };
  for (int i = 0; i < 30; ++i) q(k_t0 + i * k_min, 0.02);  // 30 minutes at 0.02
  ticks.push_back(at(k_t0 + 30 * k_min + k_s, 100));       // a trade: no spread, no judgement
  q(k_t0 + 30 * k_min + 2 * k_s, 0.0399);                   // 1.995x
  q(k_t0 + 30 * k_min + 3 * k_s, 0.0401);                   // 2.005x
  q(k_t0 + 30 * k_min + 4 * k_s, 0.05);                     // cooling
  auto e = of_kind(feed(ticks, c), "spread_blowout");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].ts, k_t0 + 30 * k_min + 3 * k_s);
}

TEST(judge_grid, every_setting_of_each_kind_crossed_with_its_cooldowns_and_the_worst_one) {
  significance_config c;
  c.grid.move_pct = {1, 2};
  c.grid.move_window_ms = {60 * k_s};
  c.grid.volume_multiplier = {3};
  c.grid.volume_avg_minutes = {30};
  c.grid.spread_factor = {2};
  c.grid.vol_jump_factor = {2};
  c.grid.cooldown_ms = {300 * k_s, 900 * k_s};
  c.grid.volume_cooldown_ms = {60 * k_s};
  // Flat at 100, then +1.5% at minute 10 and +2.5% at minute 30: a 1% judge sees both moves,
  // a 2% judge only the second; the analysis at minute 10 covers only the first.
  std::vector<tick> ticks;
  for (int m = 0; m < 40; ++m) ticks.push_back(at(k_t0 + m * k_min, m < 10 ? 100 : m < 30 ? 101.5 : 104.1));
  analysis_times fresh{{"S", {k_t0 + 10 * k_min}}};
  auto grid = coverage_grid(c, ticks, fresh);
  std::vector<std::string> moves;
  for (auto& p : grid)
    if (p.kind == "price_move") moves.push_back(p.setting + " " + std::to_string(p.covered) + "/" + std::to_string(p.events));
  EXPECT_EQ(moves, (std::vector<std::string>{"move_pct=1 move_window_s=60 cooldown_s=300 1/2",
                                             "move_pct=2 move_window_s=60 cooldown_s=300 0/1",
                                             "move_pct=1 move_window_s=60 cooldown_s=900 1/2",
                                             "move_pct=2 move_window_s=60 cooldown_s=900 0/1"}));
  size_t volume = 0, sr = 0;
  for (auto& p : grid) volume += p.kind == "volume_spike", sr += p.kind == "sr_break";
  EXPECT_EQ(volume, 1u);  // one setting, one volume cooldown
  EXPECT_EQ(sr, 2u);      // no axes of its own: one point per cooldown
  const grid_point* worst = worst_point(grid, "price_move");
  ASSERT_NE(worst, nullptr);
  EXPECT_EQ(worst->setting, "move_pct=2 move_window_s=60 cooldown_s=300");
  EXPECT_EQ(worst_point(grid, "spread_blowout"), nullptr);  // no quotes: no events anywhere
}

TEST(coverage, first_fresh_analysis_within_the_window_and_nearest_rank_delays) {
  std::vector<significant_event> ev{{"A", 1000, "price_move", 1, ""},
                                    {"A", 5000, "sr_break", 1, ""},
                                    {"A", 9000, "volume_spike", 1, ""},
                                    {"B", 1000, "price_move", 1, ""}};
  analysis_times fresh{{"A", {900, 1500, 70'000, 9000}}};
  for (auto& [s, v] : fresh) std::sort(v.begin(), v.end());
  auto c = measure_coverage(ev, fresh, 60'000);
  // A@1000: 1500 (delay 500). A@5000: first after is 9000 (delay 4000). A@9000: 9000 itself
  // (delay 0). B: none. With a 60 s window all three of A are covered.
  EXPECT_EQ(c.events, 4);
  EXPECT_EQ(c.covered, 3);
  EXPECT_EQ(c.delay_p50_ms, 500);   // sorted 0, 500, 4000: rank ceil(1.5) = 2
  EXPECT_EQ(c.delay_p95_ms, 4000);  // rank ceil(2.85) = 3
  EXPECT_EQ(c.by_kind["price_move"], (std::pair<int64_t, int64_t>{2, 1}));
  auto tight = measure_coverage(ev, fresh, 1000);  // 4000 ms is now too late
  EXPECT_EQ(tight.covered, 2);
  EXPECT_EQ(nearest_rank({}, 50), -1);
  EXPECT_EQ(nearest_rank({7}, 95), 7);
}

TEST(naive_calls, every_tick_and_first_tick_of_each_bucket) {
  std::vector<tick> ticks{at(0, 1), at(100 * k_s, 1), at(299 * k_s, 1), at(300 * k_s, 1),
                          at(610 * k_s, 1), at(5 * k_s, 1, 1, "B")};
  auto every = naive_calls(ticks, 0);
  EXPECT_EQ(every["S"].size(), 5u);
  auto timer = naive_calls(ticks, 300 * k_s);
  EXPECT_EQ(timer["S"], (std::vector<int64_t>{0, 300 * k_s, 610 * k_s}));
  EXPECT_EQ(timer["B"], (std::vector<int64_t>{5 * k_s}));
}

TEST(backtest_report, figures_from_the_ledger_and_naive_pricing_by_hand) {
  auto cfg = cfg_with({});
  const auto agents = static_cast<int64_t>(cfg->agents.size());
  // Two symbols, 10 minutes, a tick a minute each.
  std::vector<tick> ticks;
  for (int m = 0; m < 10; ++m) {
    ticks.push_back(at(k_t0 + m * k_min, 100, 1, "A"));
    ticks.push_back(at(k_t0 + m * k_min + k_s, 50, 1, "B"));
  }
  const std::string a0 = cfg->agents[0].name, a1 = cfg->agents[1].name;
  std::vector<ledger_row> ledger{
      // dry-run one-state call of agent 0: $0.004
      {"r1", a0, "rules", "offline", k_t0, 0, 4'000'000'000, 100, 50, 1},
      // dry-run batch of 2 states of agent 1: $0.006 -> $0.003 a state
      {"r2", a1, "rules", "offline", k_t0 + k_min, 0, 6'000'000'000, 300, 120, 2},
      {"r3", a0, "cache", "", k_t0 + 2 * k_min, 0, 0, 0, 0, 1},           // a cache hit
      {"r4", a0, "rules", "budget_hard", k_t0 + 3 * k_min, 0, 0, 0, 0, 1}, // not a call
  };
  std::vector<analysis_row> analyses{{"r1", "A", k_t0}, {"r2", "A", k_t0 + k_min}, {"r2", "B", k_t0 + k_min + k_s},
                                     {"r3", "A", k_t0 + 2 * k_min}};
  backtest_meta meta{"test", "dry-run", "deepseek-chat", k_t0, k_t0 + 9 * k_min + k_s, 1};
  auto r = build_report(meta, *cfg, ticks, ledger, analyses);
  ASSERT_EQ(r.strategies.size(), 4u);
  const auto& tg = r.strategies[0];
  EXPECT_EQ(tg.calls, 2);
  EXPECT_EQ(tg.cost, 10'000'000'000);
  EXPECT_EQ(tg.input_tokens, 400);
  EXPECT_EQ(tg.output_tokens, 170);
  EXPECT_DOUBLE_EQ(tg.cache_hit_pct, 25.0);  // 1 of 4 ledger rows
  EXPECT_EQ(tg.cumulative_cost.back().second, 10'000'000'000);
  // Per one-state call: agent 0 $0.004 (its one-state call), agent 1 $0.003 (its batch per
  // state), the others the mean of those two, $0.0035. A tick of every agent: 0.004 + 0.003 +
  // (agents - 2) x 0.0035.
  const picousd per_tick = 4'000'000'000 + 3'000'000'000 + (agents - 2) * 3'500'000'000;
  const auto& every = r.strategies[1];
  EXPECT_EQ(every.name, "every_tick");
  EXPECT_EQ(every.calls, 20 * agents);
  EXPECT_EQ(every.cost, 20 * per_tick);
  const auto& t5 = r.strategies[2];
  EXPECT_EQ(t5.calls, 2 * 2 * agents);  // two 5-minute buckets per symbol
  EXPECT_EQ(t5.cost, 4 * per_tick);
  EXPECT_EQ(r.strategies[3].calls, 2 * agents);  // one 15-minute bucket each
  auto j = nlohmann::json::parse(report_json(r));
  EXPECT_EQ(j["strategies"][0]["calls"], 2);
  EXPECT_EQ(j["strategies"][1]["cost_picousd"], 20 * per_tick);
  EXPECT_TRUE(j["significance"].contains("reaction_window_s"));
  EXPECT_TRUE(j["grid"].contains("points"));
  EXPECT_EQ(j["missed"].size(), r.missed.size());
}

TEST(backtest_report, a_missed_event_comes_with_the_decisions_around_it) {
  auto cfg = cfg_with({});
  // A 2% jump at minute 10 with no analysis at all: one missed price_move, explained by the
  // decisions the lookup returns for [event - 60 s, event + reaction window].
  std::vector<tick> ticks;
  for (int m = 0; m < 12; ++m) ticks.push_back(at(k_t0 + m * k_min, m < 10 ? 100 : 102));
  std::vector<std::tuple<std::string, int64_t, int64_t>> asked;
  auto lookup = [&](const std::string& symbol, int64_t from, int64_t to) {
    asked.emplace_back(symbol, from, to);
    return std::vector<decision_note>{{from + 1, "market_regime", "skip", "price_update", "interval"}};
  };
  backtest_meta meta{"test", "dry-run", "deepseek-chat", k_t0, k_t0 + 11 * k_min, 1};
  auto r = build_report(meta, *cfg, ticks, {}, {}, lookup);
  ASSERT_EQ(r.missed.size(), 1u);
  EXPECT_EQ(r.missed[0].event.kind, "price_move");
  EXPECT_EQ(r.missed[0].event.ts, k_t0 + 10 * k_min);
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0], std::make_tuple(std::string("S"), k_t0 + 9 * k_min, k_t0 + 11 * k_min));
  ASSERT_EQ(r.missed[0].around.size(), 1u);
  EXPECT_EQ(r.missed[0].around[0].reason, "interval");
  EXPECT_NE(report_html(r).find("Missed events"), std::string::npos);
}
