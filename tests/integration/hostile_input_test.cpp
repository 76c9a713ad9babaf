// Hostile input over the Kafka protocol: every implausible record the hardening review found is
// dead-lettered with its reason, and none reaches the state. Proof of the second part: the run
// with the hostile records mixed in makes exactly the requests (the same request ids, which
// hash the trigger and the state behind it) and the same number of decisions as the run
// without them.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "app/feeds/csv_feed.hpp"
#include "app/pipeline/pipeline.hpp"
#include "app/feeds/publisher.hpp"
#include "integration/test_support.hpp"
#include "kafka/embedded_broker.hpp"
#include "messages/tick_codec.hpp"
#include "actors/sink/decision_record.hpp"
#include "storage/kv_store.hpp"

using namespace tickgate;
using namespace tickgate::testing;

namespace {

struct run_result {
  std::set<std::string> request_ids;
  uint64_t decisions = 0;
  std::vector<record> dlq;
  std::string failure;
};

run_result run_on(const std::string& name, const std::vector<range_record>& records) {
  embedded_broker broker{1};
  for (auto t : {"market.ticks", "ai.analyses", "ai.costs", "tickgate.dlq", "ai.alerts"})
    broker.create_topic(t, 3);
  broker.create_topic("tickgate.budget", 1);  // the cluster budget's sequencer
  auto pub = publish_records(broker.bootstrap(), "market.ticks", records, "lz4");
  EXPECT_EQ(pub.sent, records.size());
  replay_fixture f(name, broker.bootstrap());  // no key set: offline, priced as a dry run
  auto& env = f.env;
  auto& store = f.store;
  std::atomic<bool> stop{false};
  run_result out;
  run_pipeline(env, stop, nullptr, &out.failure);
  for (auto& r : read_topic(broker.bootstrap(), "ai.costs")) out.request_ids.insert(r.key);
  decision_log_reader reader(*store);
  reader.for_each_record([&](std::string_view, std::string_view) { return ++out.decisions > 0; });
  out.dlq = read_topic(broker.bootstrap(), "tickgate.dlq");
  return out;
}

std::string header(const record& r, const std::string& name) {
  for (auto& [k, v] : r.headers)
    if (k == name) return v;
  return "";
}

}  // namespace

TEST(hostile_input, is_dead_lettered_with_reasons_and_leaves_decisions_unchanged) {
  auto ticks = read_csv_ticks(real_trades_csv(), {"trades", "America/New_York", ""});
  ASSERT_GT(ticks.size(), 10'000u);
  std::vector<range_record> good;
  for (auto& t : ticks) good.push_back({-1, 0, t.ts, t.symbol, encode_tick(t)});

  // Mid-stream, on the partition of the tick they follow (same key).
  const auto& at = ticks[ticks.size() / 2];
  const std::string s = at.symbol;
  const std::string ts = std::to_string(at.ts);
  const std::string px = std::to_string(at.price);
  auto rec = [&](std::string key, std::string value) {
    return range_record{-1, 0, at.ts, std::move(key), std::move(value)};
  };
  const std::vector<std::pair<range_record, std::string>> hostile{
      {rec(s, R"({"symbol":")" + s + R"(","ts":99999999999999999,"price":)" + px + "}"), "bad_ts"},
      {rec(s, R"({"symbol":")" + s + R"(","ts":1e300,"price":)" + px + "}"), "bad_ts"},
      {rec(s, R"({"symbol":")" + s + R"(","ts":9000000000000,"price":)" + px + "}"), "future_ts"},
      {rec(s, R"({"symbol":")" + s + R"(","ts":)" + std::to_string(at.ts - 7'200'000) +
                  R"(,"price":)" + px + "}"),
       "late_ts"},
      {rec(s, R"({"symbol":")" + s + R"(","ts":)" + ts + R"(,"price":1e308})"), "bad_price"},
      {rec(s, R"({"symbol":")" + s + R"(","ts":)" + ts + R"(,"price":1e-300})"), "bad_price"},
      {rec(s, R"({"symbol":")" + s + R"(","ts":)" + ts + R"(,"price":)" + px +
                  R"(,"volume":1e308})"),
       "bad_field"},
      {rec(s, R"({"symbol":")" + s + R"(","ts":)" + ts + R"(,"price":)" + px +
                  R"(,"indicators":{"rsi":1e308}})"),
       "bad_field"},
      {rec(s, R"({"symbol":")" + s + R"(","ts":)" + ts + R"(,"price":)" + px +
                  R"(,"bid":11,"ask":9})"),
       "crossed_quote"},
      {rec(s, R"({"symbol":")" + s + R"(\u0000","ts":)" + ts + R"(,"price":)" + px + "}"),
       "bad_symbol"},
      {rec(s, R"({"symbol":"../../etc","ts":)" + ts + R"(,"price":)" + px + "}"), "bad_symbol"},
      {rec(s, R"({"symbol":"ZZZ","symbol":")" + s + R"(","ts":)" + ts + R"(,"price":)" + px +
                  "}"),
       "duplicate_key"},
      {rec(s, R"({"symbol":")" + s + R"(","ts":)" + ts + R"(,"price":)" +
                  std::to_string(at.price * 10) + "}"),
       "outlier"},
      // Fits the broker, not the DLQ producer whole: its DLQ copy is cut, nothing hangs.
      {rec(s, R"({"symbol":")" + s + R"(","pad":")" + std::string(990'000, 'x') + "\"}"),
       "too_large"},
  };
  auto mixed = good;
  const auto pos = static_cast<std::ptrdiff_t>(ticks.size() / 2 + 1);
  std::vector<range_record> bad;
  for (auto& [r, code] : hostile) bad.push_back(r);
  mixed.insert(mixed.begin() + pos, bad.begin(), bad.end());

  auto clean = run_on("hostile-clean", good);
  auto dirty = run_on("hostile-mixed", mixed);
  EXPECT_EQ(clean.failure, "");
  EXPECT_EQ(dirty.failure, "");

  ASSERT_EQ(dirty.dlq.size(), hostile.size());
  std::map<std::string, int> want, got;
  for (auto& [r, code] : hostile) ++want[code];
  for (auto& r : dirty.dlq) {
    auto reason = header(r, "tickgate.reason");
    ++got[reason.substr(0, reason.find(':'))];
    if (reason.rfind("too_large", 0) == 0) {
      EXPECT_EQ(r.value.size(), 64u * 1024);
      EXPECT_EQ(header(r, "tickgate.truncated_from"), std::to_string(hostile.back().first.value.size()));
    }
  }
  EXPECT_EQ(got, want);
  EXPECT_TRUE(clean.dlq.empty());

  // Nothing reached the state: the same requests, the same number of decisions.
  EXPECT_FALSE(clean.request_ids.empty());
  EXPECT_EQ(dirty.request_ids, clean.request_ids);
  EXPECT_EQ(dirty.decisions, clean.decisions);
}
