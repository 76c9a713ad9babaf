// State follows partitions: per-symbol state is checkpointed to the changelog topic and restored
// by whichever instance takes a partition next, so decisions do not depend on which process made
// them. Real `tickgate run` processes on the embedded broker; the decision log of each data dir
// is read back and compared with a single instance's over the same input.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <csignal>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "app/lib/csv_feed.hpp"
#include "app/lib/publisher.hpp"
#include "integration/test_support.hpp"
#include "kafka/embedded_broker.hpp"
#include "storage/kv_store.hpp"

using namespace tickgate;
using namespace tickgate::testing;

namespace {

constexpr int k_partitions = 4;

struct state_fixture {
  explicit state_fixture(const std::string& name) : dir(temp_dir(name)) {
    for (auto t : {"market.ticks", "ai.analyses", "ai.costs", "tickgate.dlq", "ai.alerts", "tickgate.state"})
      broker.create_topic(t, k_partitions);
    broker.create_topic("tickgate.budget", 1);
    ticks = read_csv_ticks(real_trades_csv(), {"trades", "America/New_York", ""});
    std::stable_sort(ticks.begin(), ticks.end(), [](const tick& a, const tick& b) { return a.ts < b.ts; });
  }
  void publish(size_t from, size_t to) {
    std::vector<tick> part(ticks.begin() + static_cast<std::ptrdiff_t>(from),
                           ticks.begin() + static_cast<std::ptrdiff_t>(to));
    ASSERT_EQ(publish_ticks(broker.bootstrap(), "market.ticks", part, 0, "lz4").sent, part.size());
  }
  /// A run to the end of what is there; no provider (answers from rules: decisions do not depend
  /// on answers).
  int run(const std::string& instance, const std::string& group, std::vector<std::string> extra = {}) {
    std::vector<std::string> a{"run", "--brokers", broker.bootstrap(), "--data-dir", dir + "/" + instance,
                               "--group", group, "--admin", "127.0.0.1:0", "--until-eof",
                               "--config", std::string(TICKGATE_SOURCE_DIR) + "/config/default.json"};
    a.insert(a.end(), extra.begin(), extra.end());
    const int pid = spawn_tickgate(a, dir + "/" + instance + ".log");
    int status = 0;
    if (pid <= 0 || waitpid(pid, &status, 0) != pid) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  /// Every decision record of the instances' data dirs: key -> record (a decision made twice,
  /// by a process that died before committing and again by the next owner, is one entry).
  std::map<std::string, std::string> decisions(const std::vector<std::string>& instances) {
    std::map<std::string, std::string> out;
    for (auto& i : instances) {
      auto store = open_rocksdb_store(dir + "/" + i + "/db", false);
      store->scan(column::decisions, "", [&](std::string_view k, std::string_view v) {
        auto [it, fresh] = out.emplace(std::string(k), std::string(v));
        if (!fresh && it->second != v) conflicts.push_back(std::string(k));
        return true;
      });
    }
    return out;
  }
  std::string dir;
  embedded_broker broker{1};
  std::vector<tick> ticks;
  std::vector<std::string> conflicts;  // the same tick and agent decided two ways
};

/// Keys whose records differ or exist on one side only.
std::vector<std::string> differences(const std::map<std::string, std::string>& a,
                                     const std::map<std::string, std::string>& b) {
  std::vector<std::string> out;
  for (auto& [k, v] : a)
    if (auto it = b.find(k); it == b.end() || it->second != v) out.push_back(k);
  for (auto& [k, v] : b)
    if (a.count(k) == 0) out.push_back(k);
  return out;
}

std::string printable(std::string k) {
  for (auto& c : k)
    if (c == '\0') c = '|';
  return k;
}

}  // namespace

TEST(state_follows, a_fresh_instance_continues_where_the_last_one_stopped) {
  state_fixture f("state-follows-split");
  const size_t half = f.ticks.size() / 2;
  // The first half of the session, decided by one instance that then stops.
  f.publish(0, half);
  ASSERT_EQ(f.run("first", "g"), 0) << slurp(f.dir + "/first.log");
  // The second half by a new instance with an empty data dir, in the same group: it must restore
  // every symbol's state from the changelog and resume exactly where the first stopped.
  f.publish(half, f.ticks.size());
  ASSERT_EQ(f.run("second", "g"), 0) << slurp(f.dir + "/second.log");
  const auto log = slurp(f.dir + "/second.log");
  EXPECT_NE(log.find("ingest: state restored"), std::string::npos) << log;
  // The reference: one instance over the whole session.
  ASSERT_EQ(f.run("whole", "ref"), 0) << slurp(f.dir + "/whole.log");
  const auto split = f.decisions({"first", "second"});
  const auto whole = f.decisions({"whole"});
  ASSERT_GT(whole.size(), 1000u);
  const auto diff = differences(split, whole);
  EXPECT_TRUE(diff.empty()) << diff.size() << " decisions differ, first: " << printable(diff.front())
                            << "\n split: " << split.count(diff.front()) << "\n whole: "
                            << whole.count(diff.front());
  EXPECT_TRUE(f.conflicts.empty());

  // Without the changelog the second instance starts cold, and decides differently: the
  // comparison above can fail.
  state_fixture g("state-follows-cold");
  g.publish(0, half);
  ASSERT_EQ(g.run("first", "g", {"--set", "pipeline.changelog=false"}), 0) << slurp(g.dir + "/first.log");
  g.publish(half, g.ticks.size());
  ASSERT_EQ(g.run("second", "g", {"--set", "pipeline.changelog=false"}), 0) << slurp(g.dir + "/second.log");
  EXPECT_FALSE(differences(g.decisions({"first", "second"}), whole).empty());
}
