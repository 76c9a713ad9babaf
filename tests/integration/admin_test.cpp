// The admin API over HTTP with a real client (libcurl): every read endpoint against
// hand-computed ledger numbers, /metrics parsed back, auth, 400s that name the field, and a
// live change that reaches the pipeline as a new config version.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <sstream>

#include "actors/llm/http_client.hpp"
#include "actors/sink/ledger.hpp"
#include "app/admin/admin_server.hpp"
#include "support/paid_outcome.hpp"

using namespace tickgate;
using json = nlohmann::json;

namespace {

constexpr int64_t k_mar1 = 1677628800000;  // 2023-03-01T00:00:00Z
constexpr int64_t k_day = 86'400'000;

request_outcome paid(const std::string& id, int64_t ts, const std::string& agent, picousd cost) {
  return tickgate::testing::paid_outcome(id, ts, {"BTCUSDT"}, cost, agent);
}

struct admin_fixture : ::testing::Test {
  void SetUp() override {
    setenv("TICKGATE_TEST_ADMIN_TOKEN", "s3cret-admin", 1);
    cfg = load_config(std::string(TICKGATE_SOURCE_DIR) + "/config/default.json",
                      {"admin.token_env=\"TICKGATE_TEST_ADMIN_TOKEN\""});
    // Ledger: $1 and $2 on March 1st, $3 on March 2nd (agents split as below).
    for (auto& o : {paid("a", k_mar1 + 10, "market_regime", usd_to_pico(1.0)),
                    paid("b", k_mar1 + 20, "signal_validator", usd_to_pico(2.0)),
                    paid("c", k_mar1 + k_day + 5, "market_regime", usd_to_pico(3.0))}) {
      write_batch b;
      add_to_ledger(*store, o, b);
      store->write(b);
    }
    stats.add_counter("tickgate_ticks_total", "", "t").inc(1000);
    stats.add_counter("tickgate_events_by_type_total", "type=\"price_change\"", "e").inc(7);
    control.attach(cfg, store.get(), [this](std::shared_ptr<const config> c) { sent.push_back(c); });
    server = std::make_unique<admin_server>(stats, *store, control, cfg);
    server->start("127.0.0.1:0");
    base = "http://127.0.0.1:" + std::to_string(server->port());
  }
  json get_json(const std::string& path, long expect = 200) {
    auto r = http.get(base + path, {}, 5000);
    EXPECT_EQ(r.status, expect) << path << ": " << r.body;
    return json::parse(r.body, nullptr, false);
  }
  http_response post(const std::string& path, const std::string& body, const std::string& token) {
    std::vector<std::string> h;
    if (!token.empty()) h.push_back("Authorization: Bearer " + token);
    return http.post_json(base + path, h, body, 5000);
  }

  std::shared_ptr<const config> cfg;
  std::unique_ptr<kv_store> store = make_memory_store();
  stats_registry stats;
  pipeline_control control;
  std::vector<std::shared_ptr<const config>> sent;
  std::unique_ptr<admin_server> server;
  http_client http;
  std::string base;
};

}  // namespace

TEST_F(admin_fixture, health_reflects_consumer_assignment) {
  EXPECT_EQ(get_json("/healthz", 503)["status"], "starting");
  stats.add_gauge("tickgate_ingest_assigned_partitions", "", "g").set(3);
  auto h = get_json("/healthz");
  EXPECT_EQ(h["status"], "ok");
  EXPECT_EQ(h["consumer_assigned"], true);
}

TEST_F(admin_fixture, metrics_parse_back_to_the_registry) {
  auto r = http.get(base + "/metrics", {}, 5000);
  ASSERT_EQ(r.status, 200);
  std::map<std::string, double> samples;
  std::istringstream in(r.body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto sp = line.rfind(' ');
    samples[line.substr(0, sp)] = std::stod(line.substr(sp + 1));
  }
  EXPECT_EQ(samples["tickgate_ticks_total"], 1000);
  EXPECT_EQ(samples["tickgate_events_by_type_total{type=\"price_change\"}"], 7);
}

TEST_F(admin_fixture, cost_series_breakdown_forecast_and_budget_by_hand) {
  auto days = get_json("/ai-cost/daily")["days"];
  ASSERT_EQ(days.size(), 2u);
  EXPECT_EQ(days[0]["day"], "2023-03-01");
  EXPECT_DOUBLE_EQ(days[0]["cost_usd"].get<double>(), 3.0);
  EXPECT_EQ(days[0]["requests"], 2);
  EXPECT_DOUBLE_EQ(days[1]["cost_usd"].get<double>(), 3.0);
  auto months = get_json("/ai-cost/monthly")["months"];
  ASSERT_EQ(months.size(), 1u);
  EXPECT_DOUBLE_EQ(months[0]["cost_usd"].get<double>(), 6.0);
  EXPECT_EQ(months[0]["tokens"]["cached"], 600);
  auto agents = get_json("/ai-cost/agent-breakdown");
  EXPECT_EQ(agents["month"], "2023-03");
  EXPECT_DOUBLE_EQ(agents["agents"]["market_regime"]["cost_usd"].get<double>(), 4.0);
  EXPECT_DOUBLE_EQ(agents["agents"]["signal_validator"]["cost_usd"].get<double>(), 2.0);
  // Forecast: $6 over 2 days of data, mean $3/day, 29 days left of March: 6 + 3 x 29 = 93.
  auto f = get_json("/ai-cost/forecast");
  EXPECT_DOUBLE_EQ(f["projected_month_usd"].get<double>(), 93.0);
  EXPECT_TRUE(f["method"].is_string());
  // Budget: latest day $3 of $3.5 = 85.7% (soft alert); month $6 of $6 = 100% (all three).
  auto b = get_json("/ai-cost/budget-alert?daily_budget=3.5&monthly_budget=6");
  EXPECT_NEAR(b["daily"]["usage_pct"].get<double>(), 300.0 / 3.5, 1e-9);
  EXPECT_EQ(b["daily"]["alerts"].size(), 1u);
  EXPECT_EQ(b["monthly"]["alerts"].size(), 3u);
  EXPECT_EQ(get_json("/ai-cost/budget-alert?daily_budget=lots", 400)["field"], "daily_budget");
  auto st = get_json("/ai-cost/stats");
  for (auto key : {"calls", "cost_usd", "avg_cost_per_call_usd", "response_cache", "prompt_cache",
                   "sampling_skips", "savings"})
    EXPECT_TRUE(st.contains(key)) << key;
  EXPECT_EQ(get_json("/ai-cost/event-stats")["events_by_type"]["price_change"], 7);
}

TEST_F(admin_fixture, mutating_calls_need_the_token_and_a_valid_body) {
  EXPECT_EQ(post("/ai-cost/event-thresholds", R"({"price_change_pct":0.8})", "").status, 401);
  EXPECT_EQ(post("/ai-cost/event-thresholds", R"({"price_change_pct":0.8})", "wrong").status, 401);
  auto bad = post("/ai-cost/event-thresholds", R"({"price_change_pct":-2})", "s3cret-admin");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json::parse(bad.body)["field"], "events.price_change_pct");
  bad = post("/ai-cost/event-thresholds", R"({"price_chnage_pct":1})", "s3cret-admin");
  EXPECT_EQ(json::parse(bad.body)["field"], "events.price_chnage_pct");
  EXPECT_EQ(post("/ai-cost/event-thresholds", "[1,2]", "s3cret-admin").status, 400);
  EXPECT_TRUE(sent.empty());  // nothing applied

  auto ok = post("/ai-cost/event-thresholds", R"({"price_change_pct":0.8,"min_ai_interval_s":120})",
                 "s3cret-admin");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(json::parse(ok.body)["config_version"], 2);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_DOUBLE_EQ(sent[0]->events.price_change_pct, 0.8);
  EXPECT_EQ(sent[0]->min_ai_interval_ms, 120'000);

  auto s = post("/ai-cost/sampling-strategy", R"({"agent":"nobody","strategy":{"kind":"always"}})",
                "s3cret-admin");
  EXPECT_EQ(json::parse(s.body)["field"], "agent");
  s = post("/ai-cost/sampling-strategy", R"({"agent":"market_regime","strategy":{"kind":"never"}})",
           "s3cret-admin");
  EXPECT_EQ(s.status, 400);
  EXPECT_EQ(json::parse(s.body)["field"], "agents.market_regime.strategy.kind");
  s = post("/ai-cost/sampling-strategy",
           R"({"agent":"market_regime","strategy":{"kind":"adaptive","interval_s":300,"min_interval_s":60,"max_interval_s":900}})",
           "s3cret-admin");
  ASSERT_EQ(s.status, 200) << s.body;
  EXPECT_EQ(json::parse(s.body)["config_version"], 3);
  EXPECT_EQ(sent.back()->agents[sent.back()->agent_index("market_regime")].strategy.kind,
            sampling_kind::adaptive);
  EXPECT_DOUBLE_EQ(sent.back()->events.price_change_pct, 0.8);  // the earlier change stays
}

TEST(admin_no_token, mutating_endpoints_answer_403) {
  unsetenv("TICKGATE_NO_SUCH_TOKEN_VAR");
  auto cfg = load_config(std::string(TICKGATE_SOURCE_DIR) + "/config/default.json",
                         {"admin.token_env=\"TICKGATE_NO_SUCH_TOKEN_VAR\""});
  auto store = make_memory_store();
  stats_registry stats;
  pipeline_control control;
  admin_server server(stats, *store, control, cfg);
  server.start("127.0.0.1:0");
  http_client http;
  auto r = http.post_json("http://127.0.0.1:" + std::to_string(server.port()) + "/ai-cost/event-thresholds",
                          {"Authorization: Bearer anything"}, R"({"price_change_pct":1})", 5000);
  EXPECT_EQ(r.status, 403);
}
