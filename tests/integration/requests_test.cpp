// Analyses on demand over the Kafka protocol: requests on ai.requests (co-partitioned with the
// ticks) answered on ai.analyses with their correlation id, on the symbol's state as of the
// request's time, from the cache when the caller's max age allows, else a call through the
// gateway (a local provider stand-in in the OpenAI wire format); bad requests in the DLQ; and
// the admin endpoint that publishes them, authenticated, timed from POST to answer.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <mutex>
#include <thread>

#include "actors/llm/http_client.hpp"
#include "actors/sink/decision_record.hpp"
#include "app/admin/admin_server.hpp"
#include "app/admin/request_publisher.hpp"
#include "app/feeds/publisher.hpp"
#include "app/pipeline/pipeline.hpp"
#include "integration/test_support.hpp"
#include "kafka/embedded_broker.hpp"
#include "kafka/topic_tail.hpp"
#include "storage/kv_store.hpp"

using namespace tickgate;
using namespace tickgate::testing;
using json = nlohmann::json;

namespace {

constexpr int64_t k_t0 = 1'700'000'000'000;
constexpr int k_partitions = 3;

std::vector<tick> session() {
  std::vector<tick> out;
  for (int i = 0; i < 540; ++i)
    for (const char* s : {"AAA", "BBB"}) {
      tick t;
      t.symbol = s;
      t.ts = k_t0 + i * 10'000 + (s[0] - 'A');
      t.price = s[0] == 'A' ? 100.0 + 0.01 * i : 50.0;
      t.volume = 100;
      out.push_back(t);
    }
  return out;
}

double aaa_price_at(int64_t ts) { return 100.0 + 0.01 * static_cast<double>((ts - k_t0) / 10'000); }

struct world {
  embedded_broker broker{1};
  fake_openai_server provider;
  std::string dir;
  std::shared_ptr<const config> cfg;
  std::unique_ptr<kv_store> store;
  stats_registry stats;

  explicit world(const std::string& name) : dir(temp_dir(name)) {
    for (auto t : {"market.ticks", "ai.requests", "ai.analyses", "ai.costs", "tickgate.dlq", "ai.alerts",
                   "tickgate.state"})
      broker.create_topic(t, k_partitions);
    broker.create_topic("tickgate.budget", 1);
    setenv("TICKGATE_TEST_KEY", "sk-requests-test", 1);
    setenv("TICKGATE_TEST_ADMIN_TOKEN", "admin-requests-test", 1);
    open(name);
  }
  /// A fresh instance state: its own data dir and consumer group.
  void open(const std::string& name) {
    store.reset();
    dir = temp_dir(name);
    cfg = load_config(std::string(TICKGATE_SOURCE_DIR) + "/config/default.json",
                      {"storage.data_dir=\"" + dir + "\"", "kafka.group_id=\"" + name + "\"",
                       "input.max_late_s=2000000", "routing.provider=\"openai\"",
                       "providers.openai.base_url=\"" + provider.base_url() + "\"",
                       "providers.openai.api_key_env=\"TICKGATE_TEST_KEY\"",
                       "admin.token_env=\"TICKGATE_TEST_ADMIN_TOKEN\"",
                       R"(kafka.consumer_properties={"session.timeout.ms":"6000","heartbeat.interval.ms":"500"})"});
    store = open_rocksdb_store(dir + "/db", false);
  }
  std::string decisions() {
    std::string out;
    decision_log_reader reader(*store);
    reader.for_each([&](const decision_line& l) {
      out += l.text + "\n";
      return true;
    });
    return out;
  }
  pipeline_env env(bool until_eof) {
    pipeline_env e;
    e.cfg = cfg;
    e.stats = &stats;
    e.store = store.get();
    e.bootstrap = broker.bootstrap();
    e.until_eof = until_eof;
    resolve_provider(*cfg, e);
    return e;
  }
  /// Analyses by correlation id.
  std::map<std::string, std::vector<json>> answers() {
    std::map<std::string, std::vector<json>> out;
    for (auto& r : read_topic(broker.bootstrap(), "ai.analyses")) {
      auto j = json::parse(r.value);
      if (j.contains("correlation_id")) out[j["correlation_id"]].push_back(j);
    }
    return out;
  }
};

std::string request(const std::string& id, const std::string& symbol, const std::string& agent,
                    int64_t ts, double max_age_s = -1, const std::string& context = "") {
  json j{{"correlation_id", id}, {"symbol", symbol}, {"agent", agent}, {"ts", ts}};
  if (max_age_s >= 0) j["max_age_s"] = max_age_s;
  if (!context.empty()) j["context"] = context;
  return j.dump();
}

}  // namespace

TEST(requests, answered_with_their_id_from_the_cache_when_fresh_enough_else_called) {
  world w("requests_replay");
  const int64_t t = k_t0 + 40 * 60'000 + 5'000;  // between AAA's ticks
  // Requests first in the log: answered on the state as of their time all the same.
  const std::vector<std::pair<std::string, std::string>> reqs{
      {"AAA", request("r1", "AAA", "market_regime", t, 0)},            // never from the cache
      {"AAA", request("r2", "AAA", "market_regime", t + 1'000, 600)},  // r1's answer is 1 s old
      // r1's answer is 2 s old for r3, older than it takes. (One answer per state is cached:
      // a max age of 0 here would replace r1's answer before r2, parked on r1's call, saw it.)
      {"AAA", request("r3", "AAA", "market_regime", t + 2'000, 0.5)},
      {"BBB", request("r4", "BBB", "signal_validator", t, -1, "is the breakout real?")},
      {"AAA", request("r5", "AAA", "oracle", t)},                      // no such agent
      {"AAA", json{{"symbol", "AAA"}, {"agent", "market_regime"}}.dump()},  // no correlation id
  };
  EXPECT_EQ(publish_ticks(w.broker.bootstrap(), "ai.requests", {}, 0, "lz4", reqs).sent, reqs.size());
  const auto ticks = session();
  EXPECT_EQ(publish_ticks(w.broker.bootstrap(), "market.ticks", ticks, 0, "lz4").sent, ticks.size());
  std::atomic<bool> stop{false};
  run_pipeline(w.env(true), stop);
  EXPECT_EQ(w.stats.total("tickgate_on_demand_requests_total"), 4u);

  auto a = w.answers();
  ASSERT_EQ(a.size(), 4u);
  for (auto& [id, list] : a) {
    ASSERT_EQ(list.size(), 1u) << id;  // one answer per request
    EXPECT_EQ(list[0]["trigger"]["event"], "on_demand") << id;
    EXPECT_EQ(list[0]["source_offset"]["input"], "requests") << id;
  }
  const auto& r1 = a["r1"][0];
  EXPECT_EQ(r1["agent"], "market_regime");
  EXPECT_EQ(r1["source"], "llm");
  EXPECT_GT(r1["cost_usd"].get<double>(), 0);
  EXPECT_DOUBLE_EQ(r1["price"].get<double>(), aaa_price_at(t));  // AAA as of the request's time
  EXPECT_EQ(a["r2"][0]["source"], "cache");
  EXPECT_EQ(a["r2"][0]["cost_usd"], 0.0);
  EXPECT_EQ(a["r2"][0]["result"], r1["result"]);
  EXPECT_EQ(a["r3"][0]["source"], "llm");
  EXPECT_EQ(a["r4"][0]["agent"], "signal_validator");
  EXPECT_EQ(a["r4"][0]["trigger"]["detail"], "is the breakout real?");
  // The context reached the provider in the prompt.
  bool context_sent = false;
  for (auto& [body, n] : w.provider.bodies()) context_sent = context_sent || body.find("is the breakout real?") != std::string::npos;
  EXPECT_TRUE(context_sent);

  std::vector<std::string> reasons;
  for (auto& r : read_topic(w.broker.bootstrap(), "tickgate.dlq"))
    for (auto& [k, v] : r.headers)
      if (k == "tickgate.reason") reasons.push_back(v.substr(0, v.find(':')));
  std::sort(reasons.begin(), reasons.end());
  EXPECT_EQ(reasons, (std::vector<std::string>{"bad_agent", "missing_field"}));
  // Every request is done: the group's offsets on ai.requests are at the end.
  std::map<int32_t, int64_t> ends;
  for (auto& r : read_topic(w.broker.bootstrap(), "ai.requests")) ends[r.partition] = r.offset + 1;
  auto committed = committed_offsets(w.broker.bootstrap(), "requests_replay", "ai.requests", k_partitions);
  for (auto& [p, end] : ends) EXPECT_EQ(committed[p], end) << "partition " << p;

  // A replay of the same topics by a fresh instance (another group, an empty cache) merges the
  // requests at the same places and decides exactly the same; each request is answered again
  // by the same request, from the same source.
  const auto first_decisions = w.decisions();
  EXPECT_NE(first_decisions.find("on_demand"), std::string::npos);
  w.open("requests_replay_again");
  stats_registry again_stats;
  auto again = w.env(true);
  again.stats = &again_stats;
  run_pipeline(again, stop);
  EXPECT_EQ(w.decisions(), first_decisions);
  for (auto& [id, list] : w.answers()) {
    ASSERT_EQ(list.size(), 2u) << id;
    EXPECT_EQ(list[1]["request_id"], list[0]["request_id"]) << id;
    EXPECT_EQ(list[1]["source"], list[0]["source"]) << id;
  }
}

TEST(requests, the_admin_endpoint_publishes_them_and_the_answer_follows) {
  world w("requests_live");
  const auto ticks = session();
  EXPECT_EQ(publish_ticks(w.broker.bootstrap(), "market.ticks", ticks, 0, "lz4").sent, ticks.size());
  // Answers as they arrive, with the steady time they did.
  std::mutex mu;
  std::map<std::string, std::pair<json, std::chrono::steady_clock::time_point>> seen;
  // A caller waiting for its answer polls with a short fetch wait (librdkafka's default 500 ms
  // would be most of what is measured).
  topic_tail tail(w.broker.bootstrap(), "ai.analyses", {{"fetch.wait.max.ms", "10"}},
                  [&](int32_t, int64_t, const std::string&, const std::string& value) {
                    auto j = json::parse(value);
                    if (!j.contains("correlation_id")) return;
                    std::lock_guard g{mu};
                    seen.emplace(j["correlation_id"], std::make_pair(j, std::chrono::steady_clock::now()));
                  });
  std::atomic<bool> stop{false};
  std::thread pipeline([&] { run_pipeline(w.env(false), stop); });
  request_publisher publisher(w.broker.bootstrap(), "ai.requests", {});
  pipeline_control control;
  admin_server admin(w.stats, *w.store, control, w.cfg);
  admin.set_request_publisher(&publisher);
  admin.start("127.0.0.1:0");
  const auto url = "http://127.0.0.1:" + std::to_string(admin.port()) + "/requests";
  http_client http;
  const std::vector<std::string> auth{"Authorization: Bearer admin-requests-test"};
  // The ticks are in before any request is timed.
  ASSERT_TRUE(poll_until([&] { return w.stats.total("tickgate_ticks_total") == ticks.size(); },
                         std::chrono::seconds(60)));

  EXPECT_EQ(http.post_json(url, {}, R"({"symbol":"AAA","agent":"market_regime"})", 5000).status, 401);
  auto bad = http.post_json(url, auth, R"({"symbol":"AAA","agent":"oracle"})", 5000);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json::parse(bad.body)["field"], "agent");

  auto timed = [&](const std::string& body) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = http.post_json(url, auth, body, 5000);
    EXPECT_EQ(r.status, 202) << r.body;
    const std::string id = json::parse(r.body)["correlation_id"];
    EXPECT_TRUE(poll_until([&] { std::lock_guard g{mu}; return seen.count(id) > 0; },
                           std::chrono::seconds(30)));
    std::lock_guard g{mu};
    const auto& [answer, at] = seen[id];
    return std::make_pair(answer, std::chrono::duration<double, std::milli>(at - t0).count());
  };
  // The first call of an instance also takes its first budget lease from the cluster.
  auto [first, first_ms] = timed(R"({"symbol":"BBB","agent":"market_regime","max_age_s":0})");
  EXPECT_EQ(first["source"], "llm");
  auto [fresh, fresh_ms] = timed(R"({"symbol":"AAA","agent":"market_regime","max_age_s":0})");
  EXPECT_EQ(fresh["source"], "llm");
  EXPECT_DOUBLE_EQ(fresh["price"].get<double>(), ticks[ticks.size() - 2].price);  // AAA's last
  auto [cached, cached_ms] = timed(R"({"symbol":"AAA","agent":"market_regime","max_age_s":600,
                                       "correlation_id":"desk-42"})");
  EXPECT_EQ(cached["source"], "cache");
  EXPECT_EQ(cached["correlation_id"], "desk-42");
  // Not asserted (a test is no benchmark): printed for the README's figures.
  std::printf("request to answer over Kafka: first call (with a budget lease) %.1f ms, fresh call %.1f ms, "
              "cache hit %.1f ms\n", first_ms, fresh_ms, cached_ms);
  stop = true;
  pipeline.join();
}
