// Outside events over the Kafka protocol: market.events co-partitioned with market.ticks, read
// alongside them, merged by event time, decided on like tick-derived events, their analyses on
// ai.analyses, bad ones in the DLQ with their reason, offsets committed, and a replay of the
// same topics deciding exactly the same.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "actors/sink/decision_record.hpp"
#include "app/feeds/publisher.hpp"
#include "app/pipeline/pipeline.hpp"
#include "integration/test_support.hpp"
#include "kafka/embedded_broker.hpp"
#include "storage/kv_store.hpp"

using namespace tickgate;
using namespace tickgate::testing;

namespace {

constexpr int64_t k_t0 = 1'700'000'000'000;  // 2023-11-14, well behind the wall clock
constexpr int k_partitions = 3;

/// AAA climbs 0.01 a tick, BBB and CCC flat; a tick every 10 s for 90 minutes.
std::vector<tick> session() {
  std::vector<tick> out;
  for (int i = 0; i < 540; ++i)
    for (const char* s : {"AAA", "BBB", "CCC"}) {
      tick t;
      t.symbol = s;
      t.ts = k_t0 + i * 10'000 + (s[0] - 'A');
      t.price = s[0] == 'A' ? 100.0 + 0.01 * i : 50.0;
      t.volume = 100;
      out.push_back(t);
    }
  return out;
}

/// AAA's price as of `ts` (its last tick at or before it).
double aaa_price_at(int64_t ts) { return 100.0 + 0.01 * static_cast<double>((ts - k_t0) / 10'000); }

constexpr int64_t k_signal_ts = k_t0 + 30 * 60'000 + 5'000;    // between AAA's ticks 180 and 181
constexpr int64_t k_position_ts = k_t0 + 61 * 60'000 + 2'500;  // between ticks 366 and 367

std::vector<std::pair<std::string, std::string>> events() {
  auto j = [](nlohmann::json v) { return v.dump(); };
  return {
      {"AAA", j({{"symbol", "AAA"}, {"ts", k_signal_ts}, {"type", "signal"}, {"text", "momentum long entry"},
                 {"value", 0.8}, {"source", "trend-7"}})},
      {"BBB", j({{"symbol", "BBB"}, {"ts", k_t0 + 45 * 60'000}, {"type", "news"},
                 {"headline", "BBB guides revenue up"}, {"priority", "critical"}})},
      {"AAA", j({{"symbol", "AAA"}, {"ts", k_position_ts}, {"type", "position_opened"}, {"value", 500}})},
      {"CCC", j({{"symbol", "CCC"}, {"ts", k_t0 + 1000}, {"type", "rumour"}})},        // bad type
      {"CCC", j({{"symbol", "CCC"}, {"ts", k_t0 + 2000}, {"type", "news"}})},          // no headline
      {"CCC", "{not json"},
  };
}

struct run_result {
  std::string decisions;  // every decision line, in log order
  std::vector<nlohmann::json> event_analyses;  // analyses whose source is market.events
  uint64_t outside_events = 0;
  uint64_t capped = 0;
  uint64_t ticks = 0;
  double signal_price = 0;  // the snapshot price the signal was decided at
  std::string signal_action;  // signal_validator's verdict on the signal
  std::string position_action;  // portfolio_optimizer's on the position
};

run_result run(embedded_broker& broker, const std::string& name) {
  const auto dir = temp_dir(name);
  auto cfg = load_config(std::string(TICKGATE_SOURCE_DIR) + "/config/default.json",
                         {"storage.data_dir=\"" + dir + "\"", "kafka.group_id=\"" + name + "\"",
                          "input.max_late_s=2000000"});
  auto store = open_rocksdb_store(dir + "/db", false);
  stats_registry stats;
  pipeline_env env;
  env.cfg = cfg;
  env.stats = &stats;
  env.store = store.get();
  env.bootstrap = broker.bootstrap();
  env.until_eof = true;
  resolve_provider(*cfg, env);
  std::atomic<bool> stop{false};
  run_pipeline(env, stop);
  run_result out;
  out.outside_events = stats.total("tickgate_outside_events_total");
  out.capped = stats.total("tickgate_outside_events_capped_total");
  out.ticks = stats.total("tickgate_ticks_total");
  decision_log_reader reader(*store);
  reader.for_each([&](const decision_line& l) {
    out.decisions += l.text + "\n";
    if (is_event_partition(l.record->work.t.partition)) {
      const auto type = static_cast<event_type>(l.record->work.events.at(0).type);
      if (type == event_type::strategy_signal && l.agent == "signal_validator") {
        out.signal_price = l.record->work.t.price;
        out.signal_action = to_string(static_cast<action>(l.verdict->act));
      }
      if (type == event_type::position_opened && l.agent == "portfolio_optimizer")
        out.position_action = to_string(static_cast<action>(l.verdict->act));
    }
    return true;
  });
  for (auto& r : read_topic(broker.bootstrap(), "ai.analyses")) {
    auto j = nlohmann::json::parse(r.value);
    if (j["source_offset"]["input"] == "events") out.event_analyses.push_back(j);
  }
  return out;
}

}  // namespace

TEST(outside_events, merge_with_their_ticks_by_event_time_and_replay_the_same) {
  embedded_broker broker(1);
  for (auto t : {"market.ticks", "market.events", "ai.analyses", "ai.costs", "tickgate.dlq",
                 "ai.alerts", "tickgate.state"})
    broker.create_topic(t, k_partitions);
  broker.create_topic("tickgate.budget", 1);
  // The events go in first: a reader that took them as they come would decide them on the
  // state before any tick.
  const auto evs = events();
  EXPECT_EQ(publish_ticks(broker.bootstrap(), "market.events", {}, 0, "lz4", evs).sent, evs.size());
  const auto ticks = session();
  EXPECT_EQ(publish_ticks(broker.bootstrap(), "market.ticks", ticks, 0, "lz4").sent, ticks.size());

  const auto first = run(broker, "outside_a");
  EXPECT_EQ(first.ticks, ticks.size());
  EXPECT_EQ(first.outside_events, 3u);
  EXPECT_EQ(first.capped, 1u);  // the news asked for critical

  // The signal met AAA as of its own time, and the validator called on it (HIGH, "always").
  EXPECT_DOUBLE_EQ(first.signal_price, aaa_price_at(k_signal_ts));
  EXPECT_EQ(first.signal_action, "call");
  EXPECT_EQ(first.position_action, "call");  // position_opened: HIGH

  // Their analyses carry the event's words and where it came from.
  bool signal = false, news = false;
  for (auto& a : first.event_analyses) {
    if (a["trigger"]["event"] == "strategy_signal") {
      signal = true;
      EXPECT_EQ(a["symbol"], "AAA");
      EXPECT_EQ(a["agent"], "signal_validator");
      EXPECT_EQ(a["trigger"]["detail"], "momentum long entry");
      EXPECT_EQ(a["ts"], k_signal_ts);
      EXPECT_DOUBLE_EQ(a["price"].get<double>(), aaa_price_at(k_signal_ts));
    }
    if (a["trigger"]["event"] == "news") {
      news = true;
      EXPECT_EQ(a["agent"], "anomaly_detector");
      EXPECT_EQ(a["trigger"]["priority"], "HIGH");
      EXPECT_EQ(a["trigger"]["detail"], "BBB guides revenue up");
    }
  }
  EXPECT_TRUE(signal);
  EXPECT_TRUE(news);

  // The bad ones are in the DLQ, each with its reason and its place in market.events.
  std::vector<std::string> reasons;
  for (auto& r : read_topic(broker.bootstrap(), "tickgate.dlq")) {
    std::string reason, source;
    for (auto& [k, v] : r.headers) {
      if (k == "tickgate.reason") reason = v;
      if (k == "tickgate.source") source = v;
    }
    EXPECT_EQ(source.rfind("market.events/", 0), 0u) << source;
    reasons.push_back(reason.substr(0, reason.find(':')));
  }
  std::sort(reasons.begin(), reasons.end());
  EXPECT_EQ(reasons, (std::vector<std::string>{"bad_type", "missing_field", "not_json"}));

  // Every event is done: the group's offsets on market.events are at the end of each partition.
  std::map<int32_t, int64_t> ends;
  for (auto& r : read_topic(broker.bootstrap(), "market.events")) ends[r.partition] = r.offset + 1;
  auto committed = committed_offsets(broker.bootstrap(), "outside_a", "market.events", k_partitions);
  for (auto& [p, end] : ends) EXPECT_EQ(committed[p], end) << "partition " << p;

  // A replay of the same topics (another group) merges and decides exactly the same.
  const auto second = run(broker, "outside_b");
  EXPECT_EQ(second.outside_events, 3u);
  EXPECT_FALSE(first.decisions.empty());
  EXPECT_EQ(second.decisions, first.decisions);
}
