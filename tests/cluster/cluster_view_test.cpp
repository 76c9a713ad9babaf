// The cost API of any instance answers for the whole group: each builds the cluster's ledger
// from ai.costs (a global table), and keeps its own share on request.
#include <gtest/gtest.h>

#include <httplib.h>
#include <sys/wait.h>

#include <chrono>
#include <csignal>
#include <map>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "app/feeds/csv_feed.hpp"
#include "app/feeds/publisher.hpp"
#include "integration/test_support.hpp"
#include "kafka/embedded_broker.hpp"

using namespace tickgate;
using namespace tickgate::testing;
using json = nlohmann::json;

namespace {

/// The admin port an instance logged, 0 before it did.
int admin_port(const std::string& log_path) {
  const auto log = slurp(log_path);
  const auto at = log.find("admin: listening address=127.0.0.1:");
  if (at == std::string::npos) return 0;
  return std::atoi(log.c_str() + at + std::string("admin: listening address=127.0.0.1:").size());
}

/// (requests, cost in USD) summed over the days of /ai-cost/daily.
std::pair<int64_t, double> daily_total(int port, const std::string& query) {
  httplib::Client cli("127.0.0.1", port);
  auto res = cli.Get(("/ai-cost/daily" + query).c_str());
  if (!res || res->status != 200) return {-1, 0};
  auto j = json::parse(res->body);
  int64_t n = 0;
  double usd = 0;
  for (auto& d : j.at("days")) {
    n += d.at("requests").get<int64_t>();
    usd += d.at("cost_usd").get<double>();
  }
  return {n, usd};
}

}  // namespace

TEST(cluster_view, every_instance_answers_cost_questions_for_the_whole_group) {
  const auto dir = temp_dir("cluster-view");
  embedded_broker broker{1};
  for (auto t : {"market.ticks", "ai.analyses", "ai.costs", "tickgate.dlq", "ai.alerts", "tickgate.state"})
    broker.create_topic(t, 4);
  broker.create_topic("tickgate.budget", 1);
  auto ticks = read_csv_ticks(real_trades_csv(), {"trades", "America/New_York", ""});
  const size_t n = ticks.size();
  for (size_t i = 0; i < n; ++i) {
    tick t = ticks[i];
    t.symbol += ".B";
    ticks.push_back(std::move(t));
  }
  std::stable_sort(ticks.begin(), ticks.end(), [](const tick& a, const tick& b) { return a.ts < b.ts; });
  ASSERT_EQ(publish_ticks(broker.bootstrap(), "market.ticks", ticks, 0, "lz4").sent, ticks.size());
  fake_openai_server server;
  setenv("TICKGATE_TEST_KEY", "sk-cluster-view", 1);
  std::vector<int> pids;
  for (auto name : {"a", "b"})
    pids.push_back(spawn_tickgate(
        {"run", "--brokers", broker.bootstrap(), "--data-dir", dir + "/" + name, "--group", "view",
         "--admin", "127.0.0.1:0", "--config", std::string(TICKGATE_SOURCE_DIR) + "/config/default.json",
         "--set", "routing.provider=\"openai\"", "--set", "providers.openai.base_url=\"" + server.base_url() + "\"",
         "--set", "providers.openai.api_key_env=\"TICKGATE_TEST_KEY\""},
        dir + "/" + name + ".log"));
  std::map<int32_t, int64_t> ends;
  for (auto& r : read_topic(broker.bootstrap(), "market.ticks")) ends[r.partition] = std::max(ends[r.partition], r.offset + 1);
  auto all_committed = [&] {
    auto c = committed_offsets(broker.bootstrap(), "view", "market.ticks", 4);
    for (auto& [p, end] : ends)
      if (c[p] != end) return false;
    return true;
  };
  ASSERT_TRUE(poll_until(all_committed,
                         std::chrono::seconds(120)))
      << slurp(dir + "/a.log") << slurp(dir + "/b.log");
  // What the group spent, computed here from ai.costs (each request id once).
  std::map<std::string, int64_t> cost_of;
  for (auto& r : read_topic(broker.bootstrap(), "ai.costs")) {
    auto j = json::parse(r.value);
    cost_of[j.at("request_id").get<std::string>()] = j.at("cost_picousd").get<int64_t>();
  }
  int64_t pico = 0;
  for (auto& [id, c] : cost_of) pico += c;
  const auto requests = static_cast<int64_t>(cost_of.size());
  ASSERT_GT(pico, 0);
  const int ports[2] = {admin_port(dir + "/a.log"), admin_port(dir + "/b.log")};
  int64_t own_requests = 0;
  double own_usd = 0;
  for (int port : ports) {
    ASSERT_GT(port, 0);
    // The cluster view catches up with ai.costs on its own thread.
    std::pair<int64_t, double> cluster;
    EXPECT_TRUE(poll_until([&] { return (cluster = daily_total(port, "")).first == requests; },
                           std::chrono::seconds(30)))
        << cluster.first << " of " << requests << " requests on port " << port;
    EXPECT_NEAR(cluster.second, static_cast<double>(pico) * 1e-12, 1e-9);
    const auto own = daily_total(port, "?scope=instance");
    EXPECT_GT(own.first, 0);
    EXPECT_LT(own.first, requests) << "both instances worked";
    own_requests += own.first;
    own_usd += own.second;
  }
  // The instances' own shares add up to the cluster's.
  EXPECT_EQ(own_requests, requests);
  EXPECT_NEAR(own_usd, static_cast<double>(pico) * 1e-12, 1e-9);
  httplib::Client cli("127.0.0.1", ports[0]);
  auto bad = cli.Get("/ai-cost/daily?scope=galaxy");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  for (int pid : pids) {
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
}
