// tickgate backtest end to end on real data: the report's numbers equal the ledger's, two runs
// give identical decision logs and reports, a recorded replay answers every call from the first
// run, the HTML page is well-formed and self-contained, and a topic's time range is found by
// offsetsForTimes or bisection and replayed exactly.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <set>
#include <sstream>

#include "app/backtest/backtest_run.hpp"
#include "app/feeds/publisher.hpp"
#include "integration/test_support.hpp"
#include "kafka/embedded_broker.hpp"
#include "kafka/topic_range.hpp"
#include "messages/tick_codec.hpp"
#include "actors/sink/decision_record.hpp"
#include "storage/kv_store.hpp"

using namespace tickgate;
using namespace tickgate::testing;
using json = nlohmann::json;

namespace {


std::vector<std::pair<std::string, std::string>> scan(const std::string& db, column c) {
  auto store = open_rocksdb_store(db, false);
  std::vector<std::pair<std::string, std::string>> rows;
  store->scan(c, "", [&](std::string_view k, std::string_view v) {
    rows.emplace_back(k, v);
    return true;
  });
  return rows;
}

/// The decision log's records as read back (key order, each tick once).
std::vector<std::pair<std::string, std::string>> decision_records(const std::string& db) {
  auto store = open_rocksdb_store(db, false);
  std::vector<std::pair<std::string, std::string>> rows;
  decision_log_reader reader(*store);
  reader.for_each_record([&](std::string_view k, std::string_view v) {
    rows.emplace_back(k, v);
    return true;
  });
  return rows;
}

backtest_options trades_options(const std::string& report_dir) {
  backtest_options o;
  o.config_path = std::string(TICKGATE_SOURCE_DIR) + "/config/default.json";
  o.csv = real_trades_csv();
  o.csv_opts = {"trades", "America/New_York", ""};
  o.report_dir = report_dir;
  return o;
}

/// Tags balance (XML-style: void elements self-closed), attributes quoted.
bool well_formed(const std::string& html, std::string& why) {
  std::vector<std::string> open;
  for (size_t i = html.find('<'); i != std::string::npos; i = html.find('<', i + 1)) {
    if (html.compare(i, 2, "<!") == 0) continue;
    const size_t end = html.find('>', i);
    if (end == std::string::npos) return why = "unterminated tag", false;
    std::string tag = html.substr(i + 1, end - i - 1);
    if (tag.empty()) return why = "empty tag", false;
    const bool closing = tag[0] == '/', self = tag.back() == '/';
    const std::string name = tag.substr(closing ? 1 : 0, tag.find_first_of(" />", closing ? 1 : 0) - (closing ? 1 : 0));
    if (closing) {
      if (open.empty() || open.back() != name) return why = "</" + name + "> closes <" + (open.empty() ? "" : open.back()) + ">", false;
      open.pop_back();
    } else if (!self) {
      open.push_back(name);
    }
  }
  if (!open.empty()) return why = "<" + open.back() + "> never closed", false;
  return true;
}

}  // namespace

TEST(backtest, report_equals_the_ledger_runs_are_identical_and_a_recording_replays) {
  const auto dir = temp_dir("backtest");
  auto first = run_backtest(trades_options(dir + "/a"));
  auto second = run_backtest(trades_options(dir + "/b"));

  // Determinism: the same decision log byte for byte, the same report.
  const auto decisions_a = decision_records(dir + "/a/state/db");
  ASSERT_GT(decisions_a.size(), 40'000u);  // one record per tick
  EXPECT_TRUE(decisions_a == decision_records(dir + "/b/state/db"));
  EXPECT_EQ(slurp(dir + "/a/report.json"), slurp(dir + "/b/report.json"));

  // The report's tickgate figures, recomputed from the ledger here.
  int64_t calls = 0, cost = 0, cache = 0, rows = 0;
  for (auto& [k, v] : scan(dir + "/a/state/db", column::ledger)) {
    if (k.rfind("agg/", 0) == 0) continue;
    auto j = json::parse(v);
    ++rows;
    if (j["source"] == "cache") ++cache;
    if (j["source"] == "rules" && j.value("error", "") == "offline") {
      ++calls;
      cost += j["would_cost_picousd"].get<int64_t>();
    }
  }
  auto report = json::parse(slurp(dir + "/a/report.json"));
  auto tg = report["strategies"][0];
  EXPECT_EQ(tg["name"], "tickgate");
  EXPECT_EQ(tg["calls"], calls);
  EXPECT_EQ(tg["cost_picousd"], cost);
  EXPECT_DOUBLE_EQ(tg["cache_hit_pct"].get<double>(), 100.0 * static_cast<double>(cache) / static_cast<double>(rows));
  ASSERT_GT(calls, 100);

  // The naive strategies, counted from the CSV here.
  auto ticks = read_csv_ticks(real_trades_csv(), {"trades", "America/New_York", ""});
  const int64_t agents = report["agents"].get<int64_t>();
  std::set<std::pair<std::string, int64_t>> b5, b15;
  for (auto& t : ticks) b5.emplace(t.symbol, t.ts / 300'000), b15.emplace(t.symbol, t.ts / 900'000);
  EXPECT_EQ(report["ticks"], static_cast<int64_t>(ticks.size()));
  EXPECT_EQ(report["strategies"][1]["calls"], static_cast<int64_t>(ticks.size()) * agents);
  EXPECT_EQ(report["strategies"][2]["calls"], static_cast<int64_t>(b5.size()) * agents);
  EXPECT_EQ(report["strategies"][3]["calls"], static_cast<int64_t>(b15.size()) * agents);
  EXPECT_EQ(report["strategies"][1]["coverage"]["covered_pct"], 100.0);  // every tick reacts at once
  // tickgate covers more of the events than a 5-minute timer, with fewer calls.
  EXPECT_LT(tg["calls"].get<int64_t>(), report["strategies"][2]["calls"].get<int64_t>());
  EXPECT_GT(tg["coverage"]["covered_pct"].get<double>(),
            report["strategies"][2]["coverage"]["covered_pct"].get<double>());

  // The HTML page: well-formed, nothing fetched from anywhere, every chart there.
  const auto html = slurp(dir + "/a/report.html");
  std::string why;
  EXPECT_TRUE(well_formed(html, why)) << why;
  for (auto external : {"http://", "https://", "src=", "href=", "url(", "@import", "<script"})
    EXPECT_EQ(html.find(external), std::string::npos) << external;
  size_t svgs = 0;
  for (size_t i = html.find("<svg"); i != std::string::npos; i = html.find("<svg", i + 1)) ++svgs;
  EXPECT_EQ(svgs, 3u + 2u);  // three symbols' prices, cumulative cost, calls per hour
  EXPECT_NE(html.find("class='event'"), std::string::npos);
  EXPECT_NE(html.find("class='call'"), std::string::npos);
  EXPECT_NE(html.find("class='bar'"), std::string::npos);
  size_t cost_lines = 0;
  for (size_t i = html.find("class='cost'"); i != std::string::npos; i = html.find("class='cost'", i + 1)) ++cost_lines;
  EXPECT_EQ(cost_lines, 4u);
  // Every call marker inside the plot area (x from 70 to 900), the last one near its right end.
  double min_cx = 1e9, max_cx = -1e9;
  for (size_t i = html.find("cx='"); i != std::string::npos; i = html.find("cx='", i + 1)) {
    const double x = std::stod(html.substr(i + 4, 12));
    min_cx = std::min(min_cx, x), max_cx = std::max(max_cx, x);
  }
  EXPECT_GE(min_cx, 70.0);
  EXPECT_LE(max_cx, 900.0);
  EXPECT_GT(max_cx, 800.0);

  // Recorded: the same range and config, answers from run a: every call found there, at its cost.
  auto rec = trades_options(dir + "/c");
  rec.provider = "recorded";
  rec.recorded_dir = dir + "/a";
  run_backtest(rec);
  auto replay = json::parse(slurp(dir + "/c/report.json"));
  EXPECT_EQ(replay["strategies"][0]["calls"], calls);
  EXPECT_EQ(replay["strategies"][0]["cost_picousd"], cost);
  int64_t from_recording = 0;
  for (auto& [k, v] : scan(dir + "/c/state/db", column::ledger))
    if (k.rfind("agg/", 0) != 0 && json::parse(v)["source"] == "recorded") ++from_recording;
  EXPECT_EQ(from_recording, calls);
}

TEST(backtest, topic_time_range_is_found_and_replayed_exactly) {
  embedded_broker broker(1);
  broker.create_topic("market.ticks", 3);
  auto ticks = read_csv_ticks(real_trades_csv(), {"trades", "America/New_York", ""});
  ASSERT_EQ(publish_ticks(broker.bootstrap(), "market.ticks", ticks, 0, "lz4").sent, ticks.size());
  const int64_t from = parse_time_ms("2014-09-17T15:00:00Z", "UTC");
  const int64_t to = parse_time_ms("2014-09-17T15:30:00Z", "UTC") - 1;

  // Per partition, the first offset at or after `from` and the first after `to`, from a full read.
  std::map<int32_t, std::pair<int64_t, int64_t>> expect;
  for (auto& r : read_topic(broker.bootstrap(), "market.ticks")) {
    auto ts = decode_tick(r.value, 4096).value.ts;
    auto& [b, e] = expect.try_emplace(r.partition, INT64_MAX, INT64_MAX).first->second;
    if (ts >= from) b = std::min(b, r.offset);
    if (ts > to) e = std::min(e, r.offset);
  }
  auto range = find_time_range(broker.bootstrap(), "market.ticks", from, to, {});
  ASSERT_EQ(range.partitions.size(), 3u);
  for (auto& p : range.partitions) {
    EXPECT_EQ(p.begin, expect[p.partition].first) << p.partition;
    EXPECT_EQ(p.end, expect[p.partition].second) << p.partition;
  }
  std::cout << "range found by " << range.method << '\n';

  backtest_options o;
  o.config_path = std::string(TICKGATE_SOURCE_DIR) + "/config/default.json";
  o.topic = "market.ticks";
  o.brokers = broker.bootstrap();
  o.from_ts = from;
  o.to_ts = to;
  o.report_dir = temp_dir("backtest_topic");
  auto out = run_backtest(o);
  int64_t in_range = 0;
  for (auto& t : ticks) in_range += t.ts >= from && t.ts <= to;
  EXPECT_EQ(out.report.ticks, in_range);
  EXPECT_GE(out.report.meta.from_ts, from);
  EXPECT_LE(out.report.meta.to_ts, to);
}

TEST(backtest, a_real_provider_is_called_through_the_gateway_and_priced_from_its_usage) {
  fake_openai_server server;
  setenv("TICKGATE_BACKTEST_TEST_KEY", "sk-backtest-secret", 1);
  auto o = trades_options(temp_dir("backtest_real"));
  o.from_ts = parse_time_ms("2014-09-17T14:00:00Z", "UTC");
  o.to_ts = parse_time_ms("2014-09-17T15:00:00Z", "UTC");
  o.provider = "openai";
  o.sets = {"providers.openai.base_url=\"" + server.base_url() + "\"",
            "providers.openai.api_key_env=\"TICKGATE_BACKTEST_TEST_KEY\""};
  auto out = run_backtest(o);
  int paid = 0;
  for (auto& [body, n] : server.paid()) paid += n;
  ASSERT_GT(paid, 0);
  const auto& tg = out.report.strategies[0];
  EXPECT_EQ(out.report.meta.priced_as, "actual");
  EXPECT_EQ(tg.calls, paid);
  // The fake server's usage at gpt-4o-mini prices, by hand: 800 uncached x $0.15/M + 200
  // cached x $0.075/M + 50 output x $0.60/M = 165,000,000 pUSD a call.
  EXPECT_EQ(tg.cost, static_cast<picousd>(paid) * 165'000'000);
  EXPECT_EQ(tg.input_tokens, paid * 1000);
  EXPECT_EQ(tg.output_tokens, paid * 50);
  EXPECT_EQ(slurp(o.report_dir + "/report.json").find("sk-backtest-secret"), std::string::npos);

  // Every bill was checked against the estimate made before it, and taught the estimator.
  EXPECT_EQ(out.report.meta.estimate.calls, paid);
  EXPECT_EQ(out.report.meta.estimate.billed, tg.cost);
  int64_t prompt_bytes = 0;
  for (auto& [k, v] : scan(o.report_dir + "/state/db", column::ledger))
    if (k.rfind("agg/", 0) != 0) prompt_bytes += json::parse(v).value("prompt_bytes", int64_t{0});
  ASSERT_GT(prompt_bytes, 0);
  // A dry run priced from that run's calibration: gpt-4o-mini's prompt bytes per billed token.
  auto dry = trades_options(temp_dir("backtest_calibrated"));
  dry.from_ts = o.from_ts, dry.to_ts = o.to_ts;
  dry.sets = {"routing.order=[\"openai\",\"deepseek\",\"anthropic\",\"gemini\"]"};
  dry.calibration_dir = o.report_dir;
  auto priced = run_backtest(dry);
  EXPECT_EQ(priced.report.meta.priced_as, "gpt-4o-mini");
  EXPECT_TRUE(priced.report.meta.estimate.calibrated);
  EXPECT_DOUBLE_EQ(priced.report.meta.estimate.bytes_per_token,
                   static_cast<double>(prompt_bytes) / static_cast<double>(paid * 1000));
  // The same calls, each priced as the bills went: 1000 input (a fifth cached), 50 output.
  const auto& dry_tg = priced.report.strategies[0];
  EXPECT_EQ(dry_tg.calls, tg.calls);
  EXPECT_NEAR(static_cast<double>(dry_tg.cost), static_cast<double>(tg.cost), 0.05 * static_cast<double>(tg.cost));
}
