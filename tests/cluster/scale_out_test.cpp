// Several real `tickgate run` processes in one consumer group on the embedded broker: partitions
// move between them as they join and leave, and the group as a whole must consume every record
// once, commit everything, and pay for nothing twice (by the provider stand-in's own count).
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <csignal>
#include <iostream>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "app/feeds/csv_feed.hpp"
#include "app/feeds/publisher.hpp"
#include "integration/test_support.hpp"
#include "kafka/embedded_broker.hpp"

using namespace tickgate;
using namespace tickgate::testing;

namespace {

constexpr int k_partitions = 6;

/// The real trade session twice over: each symbol again as "<symbol>.B" (same prints), so that
/// more partitions carry data and every instance of a group of three gets work.
std::vector<tick> doubled_session() {
  auto ticks = read_csv_ticks(real_trades_csv(), {"trades", "America/New_York", ""});
  const size_t n = ticks.size();
  ticks.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    tick t = ticks[i];
    t.symbol += ".B";
    ticks.push_back(std::move(t));
  }
  std::stable_sort(ticks.begin(), ticks.end(),
                   [](const tick& a, const tick& b) { return a.ts < b.ts; });
  return ticks;
}

struct cluster_fixture {
  explicit cluster_fixture(const std::string& name) : dir(temp_dir(name)) {
    for (auto t : {"market.ticks", "ai.analyses", "ai.costs", "tickgate.dlq", "ai.alerts", "tickgate.state"})
      broker.create_topic(t, k_partitions);
    broker.create_topic("tickgate.budget", 1);
    ticks = doubled_session();
    published = publish_ticks(broker.bootstrap(), "market.ticks", ticks, 0, "lz4").sent;
    setenv("TICKGATE_TEST_KEY", "sk-scale-out", 1);
  }

  std::vector<std::string> args(const std::string& instance, const std::string& group,
                                std::vector<std::string> extra = {}) const {
    std::vector<std::string> a{
        "run",
        "--brokers", broker.bootstrap(),
        "--data-dir", dir + "/" + instance,
        "--group", group,
        "--admin", "127.0.0.1:0",
        "--config", std::string(TICKGATE_SOURCE_DIR) + "/config/default.json",
        "--set", "routing.provider=\"openai\"",
        "--set", "providers.openai.base_url=\"" + server.base_url() + "\"",
        "--set", "providers.openai.api_key_env=\"TICKGATE_TEST_KEY\""};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }

  /// Next offsets at the end of each partition of market.ticks.
  std::map<int32_t, int64_t> ends() const {
    std::map<int32_t, int64_t> out;
    for (auto& r : read_topic(broker.bootstrap(), "market.ticks"))
      out[r.partition] = std::max(out[r.partition], r.offset + 1);
    return out;
  }

  std::string dir;
  embedded_broker broker{1};
  fake_openai_server server;
  std::vector<tick> ticks;
  uint64_t published = 0;
};

int wait_exit(int pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

TEST(scale_out, three_instances_leaving_one_by_one_commit_everything_and_pay_nothing_twice) {
  cluster_fixture c("scale-out-three");
  ASSERT_EQ(c.published, c.ticks.size());

  // Three instances start together; each leaves the group when its partitions are drained, so
  // partitions move while the others are still working (the case that lost offsets before).
  std::vector<int> pids;
  for (auto name : {"a", "b", "c"})
    pids.push_back(spawn_tickgate(
        c.args(name, "three",
               {"--until-eof", "--set",
                std::string(R"(kafka.consumer_properties={"group.instance.id":"three-)") + name + "\"}"}),
        c.dir + "/" + name + ".log"));
  for (size_t i = 0; i < pids.size(); ++i) {
    ASSERT_GT(pids[i], 0);
    const std::string log = c.dir + "/" + std::string(1, static_cast<char>('a' + i)) + ".log";
    EXPECT_EQ(wait_exit(pids[i]), 0) << slurp(log);
  }

  // Every partition committed to its end: a rerun of the group has nothing to do.
  auto committed = committed_offsets(c.broker.bootstrap(), "three", "market.ticks", k_partitions);
  for (auto& [p, end] : c.ends()) EXPECT_EQ(committed[p], end) << "partition " << p;

  // Nothing paid twice, and every paid call is on ai.analyses once.
  for (auto& [body, n] : c.server.paid()) ASSERT_EQ(n, 1) << "paid twice: " << body.substr(0, 200);
  std::map<std::string, int> llm_ids;
  for (auto& r : read_topic(c.broker.bootstrap(), "ai.analyses")) {
    auto a = nlohmann::json::parse(r.value);
    if (a.at("source") == "llm") ++llm_ids[a.at("request_id").get<std::string>() + "/" + std::to_string(a.at("part").get<int>())];
  }
  for (auto& [id, n] : llm_ids) EXPECT_EQ(n, 1) << "analysis published twice: " << id;
  const int paid = static_cast<int>(c.server.paid().size());
  EXPECT_GT(paid, 0);

  // A rerun of the same group consumes nothing and pays nothing.
  int again = spawn_tickgate(c.args("d", "three", {"--until-eof"}), c.dir + "/d.log");
  ASSERT_EQ(wait_exit(again), 0) << slurp(c.dir + "/d.log");
  EXPECT_EQ(static_cast<int>(c.server.paid().size()), paid);
  EXPECT_EQ(c.server.requests(), paid) << "the rerun called the provider";
}

TEST(scale_out, three_instances_share_one_budget_without_overshoot) {
  cluster_fixture c("scale-out-budget");
  // Each answer of the stand-in is billed 800 input + 200 cached + 50 output tokens of
  // gpt-4o-mini (0.15 / 0.075 / 0.60 USD per million): 165e-6 USD a call, by hand from the
  // price list. A $0.02 day buys 121 calls; the session asks for several hundred.
  const double per_call = 800 * 0.15e-6 + 200 * 0.075e-6 + 50 * 0.60e-6;
  const double limit = 0.02;
  // The three instances read three input topics (two symbols each) in groups of their own:
  // what they share is the budget alone, so the measure does not depend on how fast the
  // group rebalances (the test above covers that).
  std::map<std::string, std::vector<tick>> by_topic;
  std::map<std::string, std::string> topic_of;
  const char* names[] = {"a", "b", "c"};
  for (auto& t : c.ticks) {
    auto it = topic_of.find(t.symbol);
    if (it == topic_of.end())
      it = topic_of.emplace(t.symbol, std::string("ticks.") + names[topic_of.size() % 3]).first;
    by_topic[it->second].push_back(t);
  }
  ASSERT_EQ(by_topic.size(), 3u);
  for (auto& [topic, ticks] : by_topic) {
    c.broker.create_topic(topic, 2);
    ASSERT_EQ(publish_ticks(c.broker.bootstrap(), topic, ticks, 0, "lz4").sent, ticks.size());
  }
  std::vector<int> pids;
  for (auto name : names)
    pids.push_back(spawn_tickgate(
        c.args(name, std::string("budget-") + name,
               {"--until-eof", "--set", "budget.daily_usd=0.02", "--set", "budget.cluster.enabled=true",
                "--set", std::string("kafka.topics.ticks=\"ticks.") + name + "\""}),
        c.dir + "/" + name + ".log"));
  for (size_t i = 0; i < pids.size(); ++i) {
    const std::string log = c.dir + "/" + names[i] + ".log";
    ASSERT_EQ(wait_exit(pids[i]), 0) << slurp(log);
  }
  // What the provider billed, by its own count: never above the limit, and most of it used.
  const auto paid = static_cast<double>(c.server.paid().size());
  std::cout << "[ measured ] three instances, limit $" << limit << ": " << paid << " calls billed $"
            << paid * per_call << " (" << 100 * paid * per_call / limit << "% of the limit)\n";
  EXPECT_LE(paid * per_call, limit + 1e-12) << paid << " calls";
  EXPECT_GE(paid * per_call, 0.9 * limit) << paid << " calls";
  // The cost ledger on ai.costs agrees with the provider.
  double billed = 0;
  int llm = 0;
  for (auto& r : read_topic(c.broker.bootstrap(), "ai.costs")) {
    auto j = nlohmann::json::parse(r.value);
    billed += j.value("cost_usd", 0.0);
    llm += j.value("cost_usd", 0.0) > 0;
  }
  EXPECT_EQ(llm, static_cast<int>(paid));
  EXPECT_NEAR(billed, paid * per_call, 1e-9);
  // Every instance asked the sequencer for leases (the budget really was shared).
  int holders = 0;
  std::set<std::string> seen;
  for (auto& r : read_topic(c.broker.bootstrap(), "tickgate.budget")) {
    auto j = nlohmann::json::parse(r.value);
    if (seen.insert(j.at("holder").get<std::string>()).second) ++holders;
  }
  EXPECT_EQ(holders, 3);
  // Budget levels are the cluster's: each level's alert comes once, from one of the three,
  // though every instance saw the level reached.
  std::map<std::string, int> level_alerts;
  for (auto& r : read_topic(c.broker.bootstrap(), "ai.alerts")) {
    auto j = nlohmann::json::parse(r.value);
    if (j.at("kind") == "budget_level") ++level_alerts[j.at("key").get<std::string>()];
  }
  EXPECT_EQ(level_alerts.count("budget_level/soft"), 1u);  // 80%: the run spends over 90%
  for (auto& [key, n] : level_alerts) EXPECT_EQ(n, 1) << key;
  // The others saw the same levels and stood back.
  int stood_back = 0;
  for (auto name : names) {
    const auto log = slurp(c.dir + "/" + name + ".log");
    for (size_t at = 0; (at = log.find("alert already sent by another instance", at)) != std::string::npos; ++at)
      ++stood_back;
  }
  EXPECT_GE(stood_back, 1);
  std::cout << "[ measured ] budget level alerts on the topic: " << level_alerts.size()
            << " levels, each once; " << stood_back << " claims lost by the other instances\n";
}
