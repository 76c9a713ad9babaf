// End to end over the Kafka protocol: the embedded broker, real ticks, the whole actor
// pipeline, a local server speaking the OpenAI wire format, RocksDB on disk.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <set>
#include <sstream>
#include <thread>

#include "actors/llm/http_client.hpp"
#include "actors/sink/decision_record.hpp"
#include "actors/sink/ledger.hpp"
#include "app/admin/admin_server.hpp"
#include "app/feeds/csv_feed.hpp"
#include "app/pipeline/pipeline.hpp"
#include "app/feeds/publisher.hpp"
#include "integration/test_support.hpp"
#include "kafka/embedded_broker.hpp"
#include "storage/kv_store.hpp"

using namespace tickgate;
using namespace tickgate::testing;
using json = nlohmann::json;

namespace {

constexpr int k_partitions = 3;
constexpr const char* k_secret = "sk-test-secret-d41d8cd98f";
// The fake server's usage priced at gpt-4o-mini, by hand: 800 uncached x $0.15/M
// + 200 cached x $0.075/M + 50 output x $0.60/M = $0.000165 = 165,000,000 pUSD per call.
constexpr int64_t k_cost_per_call = 800 * 150'000 + 200 * 75'000 + 50 * 600'000;

const std::vector<std::pair<std::string, std::string>> k_malformed{
    {"ETF", "this is not json"},
    {"ETF", R"({"symbol":"ETF","ts":1410960600000,"price":-1})"},
    {"ETF", R"({"ts":1410960600000,"price":23.8})"},
    {"AAA", R"({"symbol":"AAA","ts":1410960600000,"price":0})"},
    {"BBB", std::string(R"({"symbol":"BBB","ts":1410960600000,"price":1,"pad":")") +
                std::string(5000, 'x') + "\"}"}};

/// One broker with real ticks published, and what a pipeline run needs around it.
struct harness {
  explicit harness(const std::string& name, const std::vector<std::string>& extra_sets = {},
                   bool with_server = true)
      : dir(temp_dir(name)) {
    for (auto t : {"market.ticks", "ai.analyses", "ai.costs", "tickgate.dlq", "ai.alerts"})
      broker.create_topic(t, k_partitions);
    broker.create_topic("tickgate.budget", 1);  // the cluster budget's sequencer
    ticks = read_csv_ticks(real_trades_csv(), {"trades", "America/New_York", ""});
    auto r = publish_ticks(broker.bootstrap(), "market.ticks", ticks, 0, "lz4", k_malformed);
    EXPECT_EQ(r.sent, ticks.size() + k_malformed.size());
    // A short session: the mock coordinator waits a departed member's full session before a
    // new member of the same group (the restart) gets the partitions.
    std::vector<std::string> sets{"storage.data_dir=\"" + dir + "\"",
                                  "kafka.group_id=\"" + name + "\"",
                                  R"(kafka.consumer_properties={"session.timeout.ms":"6000",
                                     "heartbeat.interval.ms":"500"})"};
    if (with_server) {
      setenv("TICKGATE_TEST_KEY", k_secret, 1);
      sets.push_back("routing.provider=\"openai\"");
      sets.push_back("providers.openai.base_url=\"" + server.base_url() + "\"");
      sets.push_back("providers.openai.api_key_env=\"TICKGATE_TEST_KEY\"");
    }
    for (auto& s : extra_sets) sets.push_back(s);
    cfg = load_config(std::string(TICKGATE_SOURCE_DIR) + "/config/default.json", sets);
    store = open_rocksdb_store(dir + "/db", false);
  }

  double run(bool until_eof, int64_t max_records = 0) {
    pipeline_env env;
    env.cfg = cfg;
    env.stats = &stats;
    env.store = store.get();
    env.bootstrap = broker.bootstrap();
    env.until_eof = until_eof;
    env.max_records = max_records;
    resolve_provider(*cfg, env);
    std::atomic<bool> stop{false};
    return run_pipeline(env, stop);
  }

  std::vector<std::pair<std::string, std::string>> scan(column c) {
    std::vector<std::pair<std::string, std::string>> rows;
    store->scan(c, "", [&](std::string_view k, std::string_view v) {
      rows.emplace_back(k, v);
      return true;
    });
    return rows;
  }
  /// The decision log's records as read back (key order, each tick once), whatever blocks
  /// the rounds wrote them in.
  std::vector<std::pair<std::string, std::string>> decision_records() {
    std::vector<std::pair<std::string, std::string>> rows;
    decision_log_reader reader(*store);
    reader.for_each_record([&](std::string_view k, std::string_view v) {
      rows.emplace_back(k, v);
      return true;
    });
    EXPECT_EQ(reader.bad(), 0);
    return rows;
  }
  /// Verdicts in the decision log (one record per tick holds every agent's).
  size_t verdicts() {
    size_t n = 0;
    decision_log_reader reader(*store);
    reader.for_each([&](const decision_line&) { return ++n > 0; });
    EXPECT_EQ(reader.bad(), 0);
    return n;
  }

  std::string dir;
  embedded_broker broker{1};
  fake_openai_server server;
  std::vector<tick> ticks;
  std::shared_ptr<const config> cfg;
  std::unique_ptr<kv_store> store;
  stats_registry stats;
};

// Offsets of market.ticks per partition, from the topic itself.
std::map<int32_t, std::set<int64_t>> input_offsets(const std::string& bootstrap) {
  std::map<int32_t, std::set<int64_t>> out;
  for (auto& r : read_topic(bootstrap, "market.ticks")) out[r.partition].insert(r.offset);
  return out;
}

}  // namespace

TEST(pipeline, real_ticks_to_analyses_costs_dlq_and_rocksdb) {
  harness h("e2e");
  h.run(/*until_eof=*/true);
  const int agents = static_cast<int>(h.cfg->agents.size());
  const int calls = h.server.requests();
  ASSERT_GT(calls, 10);
  EXPECT_LT(calls, static_cast<int>(h.ticks.size()));  // far below one call per tick

  // Dead letters: every malformed record, with its original bytes and a reason.
  auto dlq = read_topic(h.broker.bootstrap(), "tickgate.dlq");
  ASSERT_EQ(dlq.size(), k_malformed.size());
  std::multiset<std::string> sent, got;
  for (auto& [k, v] : k_malformed) sent.insert(v);
  for (auto& r : dlq) {
    got.insert(r.value);
    bool has_reason = false;
    for (auto& [hk, hv] : r.headers) has_reason |= hk == "tickgate.reason" && !hv.empty();
    EXPECT_TRUE(has_reason);
  }
  EXPECT_EQ(sent, got);

  // ai.costs: one ledger record per provider call, priced exactly, and one per request the
  // response cache answered (free, with the cost it avoided).
  auto costs = read_topic(h.broker.bootstrap(), "ai.costs");
  const int hits = static_cast<int>(h.stats.value("tickgate_cache_lookups_total", "result=\"hit\",level=\"memory\"") +
                                    h.stats.value("tickgate_cache_lookups_total", "result=\"hit\",level=\"rocksdb\""));
  ASSERT_EQ(static_cast<int>(costs.size()), calls + hits);
  int64_t total = 0;
  std::set<std::string> cached_requests;
  for (auto& r : costs) {
    auto j = json::parse(r.value);
    if (j["source"] == "cache") {
      cached_requests.insert(j["request_id"].get<std::string>());
      EXPECT_EQ(j["cost_picousd"].get<int64_t>(), 0);
      EXPECT_GT(j["avoided_usd"].get<double>(), 0);
      continue;
    }
    EXPECT_EQ(j["source"], "llm");
    EXPECT_EQ(j["cost_picousd"].get<int64_t>(), k_cost_per_call);
    EXPECT_EQ(j["tokens"]["input"], 800);
    EXPECT_EQ(j["tokens"]["cached"], 200);
    total += j["cost_picousd"].get<int64_t>();
  }
  EXPECT_EQ(static_cast<int>(cached_requests.size()), hits);
  EXPECT_EQ(total, calls * k_cost_per_call);
  EXPECT_EQ(h.stats.total("tickgate_cost_picousd_total"), static_cast<uint64_t>(total));

  // ai.analyses: the contract's fields, key = symbol, batch shares add up to the whole.
  auto analyses = read_topic(h.broker.bootstrap(), "ai.analyses");
  ASSERT_GE(analyses.size(), costs.size());
  std::map<std::string, int64_t> cost_by_request;
  for (auto& r : analyses) {
    auto j = json::parse(r.value);
    for (auto key : {"symbol", "agent", "ts", "request_id", "trigger", "source", "provider", "model",
                     "result", "usage", "cost_usd"})
      ASSERT_TRUE(j.contains(key)) << key << " missing in " << r.value;
    EXPECT_EQ(r.key, j["symbol"]);
    if (j["source"] == "cache") {  // an earlier answer for the same quantised state
      EXPECT_TRUE(cached_requests.count(j["request_id"].get<std::string>()));
      EXPECT_TRUE(j["result"].is_object());
      continue;
    }
    EXPECT_EQ(j["source"], "llm");
    EXPECT_EQ(j["provider"], "openai");
    EXPECT_EQ(j["model"], "gpt-4o-mini");
    EXPECT_TRUE(j["result"].is_object());
    EXPECT_EQ(j["result"]["symbol"], j["symbol"]);
    for (auto key : {"event", "priority", "significance", "reason"})
      EXPECT_TRUE(j["trigger"].contains(key));
    for (auto key : {"input", "output", "cached"}) EXPECT_TRUE(j["usage"].contains(key));
    cost_by_request[j["request_id"]] += std::llround(j["cost_usd"].get<double>() * 1e12);
  }
  EXPECT_EQ(static_cast<int>(cost_by_request.size()), calls);
  for (auto& [id, c] : cost_by_request) EXPECT_EQ(c, k_cost_per_call) << id;

  // RocksDB: the same analyses and ledger, and every decision of every valid tick.
  EXPECT_EQ(h.scan(column::analyses).size(), analyses.size());
  int records = 0;
  for (auto& [k, v] : h.scan(column::ledger)) records += k.rfind("agg/", 0) != 0;
  EXPECT_EQ(records, calls + hits);
  // The day's aggregate, maintained with each record, equals the hand-computed total.
  auto day = ledger_aggregate(*h.store, "agg/day/2014-09-17/total");
  EXPECT_EQ(day[lf_requests], calls + hits);  // cache answers are requests too, free
  EXPECT_EQ(day[lf_cost], calls * k_cost_per_call);
  EXPECT_EQ(day[lf_input], calls * 800);
  EXPECT_EQ(day[lf_cached], calls * 200);
  EXPECT_EQ(h.decision_records().size(), h.ticks.size());  // one record per tick
  EXPECT_EQ(h.verdicts(), h.ticks.size() * static_cast<size_t>(agents));

  // Paid once per request; the key reached the provider and nowhere else.
  for (auto& [body, n] : h.server.bodies()) EXPECT_EQ(n, 1);
  for (auto& a : h.server.authorizations()) EXPECT_EQ(a, std::string("Bearer ") + k_secret);
  for (auto c : {column::analyses, column::ledger, column::decisions})
    for (auto& [k, v] : h.scan(c)) ASSERT_EQ(v.find(k_secret), std::string::npos);
  for (auto& r : analyses) ASSERT_EQ(r.value.find(k_secret), std::string::npos);

  // Offsets committed to the end of every partition, after the sink had everything.
  auto offsets = input_offsets(h.broker.bootstrap());
  auto committed = committed_offsets(h.broker.bootstrap(), "e2e", "market.ticks", k_partitions);
  for (auto& [p, set] : offsets) EXPECT_EQ(committed[p], *set.rbegin() + 1) << "partition " << p;
}

// Offsets processed so far: those in the decision log plus those dead-lettered.
std::map<int32_t, std::set<int64_t>> processed_offsets(harness& h) {
  std::map<int32_t, std::set<int64_t>> out;
  for (auto& [k, v] : h.decision_records()) {
    decision_record r;
    EXPECT_TRUE(decode_decision_record(k, v, r));
    out[r.work.t.partition].insert(r.work.t.offset);
  }
  for (auto& r : read_topic(h.broker.bootstrap(), "tickgate.dlq"))
    for (auto& [hk, hv] : r.headers)
      if (hk == "tickgate.source") {  // market.ticks/P/O
        auto a = hv.find('/'), b = hv.rfind('/');
        out[std::stoi(hv.substr(a + 1, b - a - 1))].insert(std::stoll(hv.substr(b + 1)));
      }
  return out;
}

TEST(pipeline, restart_mid_stream_skips_no_tick) {
  harness h("restart");
  const int64_t first_run = 15'000;
  h.run(/*until_eof=*/false, first_run);

  // After the first run the committed offsets and the sink agree exactly: every offset below
  // the commit point was processed, none at or above it.
  auto offsets = input_offsets(h.broker.bootstrap());
  auto committed = committed_offsets(h.broker.bootstrap(), "restart", "market.ticks", k_partitions);
  auto processed = processed_offsets(h);
  int64_t consumed = 0;
  bool mid_stream = false;
  for (auto& [p, all] : offsets) {
    int64_t c = std::max<int64_t>(committed[p], 0);  // -1001: nothing committed yet
    consumed += c;
    mid_stream |= c < *all.rbegin() + 1;
    std::set<int64_t> below;
    for (int64_t o = 0; o < c; ++o) below.insert(o);
    EXPECT_EQ(processed[p], below) << "partition " << p;
  }
  EXPECT_EQ(consumed, first_run);
  EXPECT_TRUE(mid_stream);

  // Second run: same data dir and group, to the end. Every offset processed, none skipped.
  h.run(/*until_eof=*/true);
  committed = committed_offsets(h.broker.bootstrap(), "restart", "market.ticks", k_partitions);
  processed = processed_offsets(h);
  for (auto& [p, all] : offsets) {
    EXPECT_EQ(committed[p], *all.rbegin() + 1) << "partition " << p;
    EXPECT_EQ(processed[p], all) << "partition " << p;
  }
  EXPECT_EQ(h.decision_records().size(), h.ticks.size());
  EXPECT_EQ(h.verdicts(), h.ticks.size() * h.cfg->agents.size());
  for (auto& [body, n] : h.server.bodies()) EXPECT_EQ(n, 1) << "a request was paid twice";
  EXPECT_EQ(read_topic(h.broker.bootstrap(), "tickgate.dlq").size(), k_malformed.size());
}

TEST(pipeline, same_input_gives_byte_identical_decision_log) {
  std::vector<std::pair<std::string, std::string>> logs[2];
  for (int i = 0; i < 2; ++i) {
    harness h("determinism" + std::to_string(i), {}, /*with_server=*/false);
    h.run(/*until_eof=*/true);
    logs[i] = h.decision_records();
  }
  ASSERT_FALSE(logs[0].empty());
  ASSERT_EQ(logs[0].size(), logs[1].size());
  for (size_t i = 0; i < logs[0].size(); ++i) {
    ASSERT_EQ(logs[0][i].first, logs[1][i].first) << "row " << i;
    ASSERT_EQ(logs[0][i].second, logs[1][i].second) << "row " << i;
  }
}

// Backpressure: with at most 2,000 records in flight the input pauses again and again, and the
// decision log is the same as without it, byte for byte (nothing lost, nothing reordered within
// a partition: decisions on event time depend on the order of each symbol's ticks).
TEST(pipeline, backpressure_pauses_the_input_and_changes_no_decision) {
  std::vector<std::pair<std::string, std::string>> logs[2];
  uint64_t pauses[2] = {0, 0};
  for (int i = 0; i < 2; ++i) {
    harness h("backpressure" + std::to_string(i),
              i == 0 ? std::vector<std::string>{"pipeline.max_in_flight=100000000"}
                     : std::vector<std::string>{"pipeline.max_in_flight=2000"},
              /*with_server=*/false);
    h.run(/*until_eof=*/true);
    logs[i] = h.decision_records();
    pauses[i] = h.stats.total("tickgate_ingest_backpressure_pauses_total");
    EXPECT_EQ(h.stats.total("tickgate_ticks_total"), h.ticks.size());
  }
  EXPECT_EQ(pauses[0], 0u);  // unbounded: the whole replay queues (what the bound prevents)
  EXPECT_GT(pauses[1], 5u);  // paused over and over while the sink catches up
  ASSERT_FALSE(logs[0].empty());
  ASSERT_EQ(logs[0].size(), logs[1].size());
  for (size_t i = 0; i < logs[0].size(); ++i) {
    ASSERT_EQ(logs[0][i].first, logs[1][i].first) << "row " << i;
    ASSERT_EQ(logs[0][i].second, logs[1][i].second) << "row " << i;
  }
}

// A paid call that takes long holds back only the commit point: the ticks behind it are decided
// and written meanwhile, however many they are beyond pipeline.max_in_flight (records waiting
// only for an answer hold no pipeline work). Every answer is held until the whole input is
// decided; released, the run ends with every record committed.
TEST(pipeline, a_slow_paid_answer_does_not_stop_the_input) {
  harness h("slowanswer", {"pipeline.max_in_flight=500", "pipeline.callers=2",
                           "providers.openai.timeout_ms=600000"});
  h.server.hold_after(0);
  std::thread runner([&] { h.run(/*until_eof=*/true); });
  ASSERT_TRUE(h.server.wait_held(1, 60));
  const auto verdicts = h.ticks.size() * h.cfg->agents.size();
  const bool all_decided = poll_until(
      [&] { return h.stats.total("tickgate_decisions_logged_total") == verdicts; }, std::chrono::seconds(60));
  EXPECT_TRUE(all_decided) << h.stats.total("tickgate_decisions_logged_total") << " of " << verdicts;
  // Nothing answered yet: the records behind the first call are all still uncommitted.
  EXPECT_TRUE(h.server.paid().empty());
  EXPECT_GT(h.stats.gauge_value("tickgate_ingest_uncommitted"), 10 * 500);
  h.server.release();
  runner.join();
  EXPECT_EQ(h.decision_records().size(), h.ticks.size());
  int64_t committed = 0;
  for (auto& [p, o] : committed_offsets(h.broker.bootstrap(), "slowanswer", "market.ticks", k_partitions))
    committed += o;
  EXPECT_EQ(committed, static_cast<int64_t>(h.ticks.size() + k_malformed.size()));
}

// ...but the records not yet committable are bounded too (pipeline.max_uncommitted): behind a
// call that does not come back, the input stops at that many, every record taken decided.
TEST(pipeline, records_behind_an_unanswered_call_are_bounded) {
  const int64_t bound = 3000, poll_batch = 500;
  harness h("uncommitted", {"pipeline.max_uncommitted=3000", "kafka.poll_batch=500", "pipeline.callers=2",
                            "providers.openai.timeout_ms=600000"});
  h.server.hold_after(0);
  std::thread runner([&] { h.run(/*until_eof=*/true); });
  ASSERT_TRUE(h.server.wait_held(1, 60));
  const bool stopped = poll_until(
      [&] {
        return h.stats.gauge_value("tickgate_ingest_backpressure") == 1 &&
               h.stats.gauge_value("tickgate_ingest_in_flight") == 0;
      },
      std::chrono::seconds(60));
  EXPECT_TRUE(stopped);
  // The bound is checked before each poll round: one round may pass it.
  const auto taken = static_cast<int64_t>(h.stats.total("tickgate_ingest_records_total"));
  EXPECT_GE(taken, bound);
  EXPECT_LT(taken, bound + poll_batch);
  const auto uncommitted = h.stats.gauge_value("tickgate_ingest_uncommitted");
  EXPECT_GE(uncommitted, bound);
  EXPECT_LE(uncommitted, taken);
  h.server.release();
  runner.join();
  EXPECT_EQ(h.decision_records().size(), h.ticks.size());
  EXPECT_EQ(h.stats.total("tickgate_ingest_records_total"), h.ticks.size() + k_malformed.size());
}

// A known run, then /metrics over HTTP parsed back and checked against counts taken from
// elsewhere: the CSV, the DLQ topic, the fake provider, the ledger in RocksDB. A small daily
// budget and a strict DLQ rate make the alerts fire; each reaches the alerts topic and the
// webhook exactly once.
TEST(pipeline, metrics_and_alerts_match_a_known_run) {
  webhook_receiver hook;
  // $0.02 a day at $0.000165 a call: soft (80%) and degrade (90%) are crossed; the session
  // starts at 13:30 UTC, so once a little over half the budget is spent the day projects over.
  harness h("metrics", {"budget.daily_usd=0.02", "alerts.dlq_window_records=10",
                        "alerts.dlq_max_pct=5",
                        "alerts.webhooks=[{\"url\":\"" + hook.url() + "\"}]"});
  pipeline_control control;
  admin_server admin(h.stats, *h.store, control, h.cfg);
  admin.start("127.0.0.1:0");
  h.run(/*until_eof=*/true);

  http_client http;
  auto r = http.get("http://127.0.0.1:" + std::to_string(admin.port()) + "/metrics", {}, 5000);
  ASSERT_EQ(r.status, 200);
  std::map<std::string, double> m;
  std::map<std::string, double> by_name;  // summed over label sets
  std::istringstream in(r.body);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto sp = line.rfind(' ');
    const auto series = line.substr(0, sp);
    const double v = std::stod(line.substr(sp + 1));
    m[series] = v;
    by_name[series.substr(0, series.find('{'))] += v;
  }
  const double ticks = static_cast<double>(h.ticks.size());
  const double bad = static_cast<double>(k_malformed.size());
  const double agents = static_cast<double>(h.cfg->agents.size());
  EXPECT_EQ(m["tickgate_ingest_records_total"], ticks + bad);
  EXPECT_EQ(m["tickgate_ticks_total"], ticks);
  EXPECT_EQ(by_name["tickgate_dlq_total"],
            static_cast<double>(read_topic(h.broker.bootstrap(), "tickgate.dlq").size()));
  EXPECT_EQ(m["tickgate_decisions_logged_total"], ticks * agents);
  EXPECT_EQ(m["tickgate_consumer_lag"], 0);
  EXPECT_EQ(m["tickgate_decision_latency_seconds_count"], ticks);
  for (auto stage : {"prioritise", "change", "sampling", "batching"})
    EXPECT_EQ(m[std::string("tickgate_stage_seconds_count{stage=\"") + stage + "\"}"], ticks) << stage;

  // Calls: what the provider answered with usage; cost: the ledger in RocksDB, summed here.
  int paid = 0;
  for (auto& [body, n] : h.server.paid()) paid += n;
  ASSERT_GT(paid, 100);
  const std::string ok_calls = "tickgate_llm_calls_total{provider=\"openai\",model=\"" +
                               h.cfg->providers.at("openai").model + "\",status=\"ok\"}";
  EXPECT_EQ(m[ok_calls], paid);
  int64_t ledger_cost = 0;
  int ledger_llm = 0;
  for (auto& [k, v] : h.scan(column::ledger)) {
    if (k.rfind("agg/", 0) == 0) continue;  // the day/month aggregates
    auto j = json::parse(v);
    ledger_cost += j["cost_picousd"].get<int64_t>();
    ledger_llm += j["source"] == "llm";
  }
  EXPECT_EQ(ledger_llm, paid);
  EXPECT_EQ(m["tickgate_cost_picousd_total"], static_cast<double>(ledger_cost));
  EXPECT_EQ(ledger_cost, paid * k_cost_per_call);
  EXPECT_LE(ledger_cost, usd_to_pico(0.02));  // never over
  const std::string lat = "tickgate_llm_call_seconds_count{provider=\"openai\",model=\"" +
                          h.cfg->providers.at("openai").model + "\"}";
  EXPECT_EQ(m[lat], paid);

  // Alerts: each once, on the topic and at the webhook.
  const std::map<std::string, int> expected{{"dlq_rate/market.ticks", 1},
                                            {"budget_level/soft", 1},
                                            {"budget_level/degrade", 1},
                                            {"projected_overrun/daily", 1}};
  std::map<std::string, int> on_topic, at_hook;
  for (auto& rec : read_topic(h.broker.bootstrap(), "ai.alerts")) ++on_topic[rec.key];
  for (auto& body : hook.accepted()) ++at_hook[json::parse(body)["key"].get<std::string>()];
  EXPECT_EQ(on_topic, expected);
  EXPECT_EQ(at_hook, expected);
  EXPECT_EQ(by_name["tickgate_alerts_total"], 4);
  EXPECT_EQ(m["tickgate_budget_level"], 2);  // degrade at the end
}
