// A broker outage in the middle of a run (the mock cluster takes its broker down, then up): the
// pipeline says so once (an alert, /healthz's source) and resumes with nothing lost or
// duplicated: the same requests as an uninterrupted run, each once, every offset committed.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "app/feeds/csv_feed.hpp"
#include "app/pipeline/pipeline.hpp"
#include "app/feeds/publisher.hpp"
#include "integration/test_support.hpp"
#include "kafka/embedded_broker.hpp"
#include "kafka/kafka_health.hpp"
#include "storage/kv_store.hpp"

using namespace tickgate;
using namespace tickgate::testing;

namespace {

struct outage_run {
  std::multiset<std::string> cost_ids;
  std::vector<record> alerts;
  std::map<int32_t, int64_t> committed;
  std::string failure;
  bool saw_down = false;
  bool stayed_down = false;
  bool saw_up = false;
};

outage_run run(const std::string& name, bool with_outage) {
  embedded_broker broker{1};
  for (auto t : {"market.ticks", "ai.analyses", "ai.costs", "tickgate.dlq", "ai.alerts"})
    broker.create_topic(t, 3);
  broker.create_topic("tickgate.budget", 1);  // the cluster budget's sequencer
  auto ticks = read_csv_ticks(real_trades_csv(), {"trades", "America/New_York", ""});
  EXPECT_EQ(publish_ticks(broker.bootstrap(), "market.ticks", ticks, 0, "lz4").sent, ticks.size());
  // A small poll batch spreads the run over the outage.
  replay_fixture f(name, broker.bootstrap(), {"kafka.poll_batch=50", "pipeline.drain_timeout_s=120"});
  auto& env = f.env;
  auto& stats = f.stats;
  std::atomic<bool> stop{false};
  outage_run out;
  std::thread pipeline([&] { run_pipeline(env, stop, nullptr, &out.failure); });
  if (with_outage) {
    using clock = std::chrono::steady_clock;
    auto wait_for = [](auto&& cond, int seconds) {
      for (auto end = clock::now() + std::chrono::seconds(seconds); clock::now() < end;) {
        if (cond()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      return false;
    };
    EXPECT_TRUE(wait_for([&] { return stats.value("tickgate_ingest_records_total", "") >= 5'000; }, 60));
    broker.set_broker_up(1, false);
    // Down as librdkafka sees it (what /healthz and the alert use). What the consumer had
    // already fetched is still processed meanwhile; its outputs wait in the producer.
    // Up again well within the group's session timeout (10 s), so the partitions stay assigned.
    out.saw_down = wait_for([] { return kafka_down_since_ms() != 0; }, 6);
    // Records taken from the consumer's prefetch queue meanwhile are no sign of the brokers.
    const auto at_down = stats.value("tickgate_ingest_records_total", "");
    wait_for([&] { return stats.value("tickgate_ingest_records_total", "") >= at_down + 500; }, 2);
    out.stayed_down = kafka_down_since_ms() != 0;
    broker.set_broker_up(1, true);
    out.saw_up = wait_for([] { return kafka_down_since_ms() == 0; }, 30);
  }
  pipeline.join();
  for (auto& r : read_topic(broker.bootstrap(), "ai.costs")) out.cost_ids.insert(r.key);
  out.alerts = read_topic(broker.bootstrap(), "ai.alerts");
  out.committed = committed_offsets(broker.bootstrap(), name, "market.ticks", 3);
  return out;
}

}  // namespace

TEST(broker_outage, pauses_alerts_and_resumes_with_nothing_lost_or_duplicated) {
  auto clean = run("outage-clean", false);
  auto hit = run("outage-hit", true);
  EXPECT_EQ(clean.failure, "");
  EXPECT_EQ(hit.failure, "");
  EXPECT_TRUE(hit.saw_down);
  EXPECT_TRUE(hit.stayed_down);
  EXPECT_TRUE(hit.saw_up);
  EXPECT_FALSE(clean.cost_ids.empty());
  EXPECT_EQ(hit.cost_ids, clean.cost_ids);  // the same requests, each exactly once
  EXPECT_EQ(hit.committed, clean.committed);  // every record committed
  int outage_alerts = 0;
  for (auto& a : hit.alerts)
    if (a.key.rfind("kafka_unreachable/", 0) == 0) ++outage_alerts;
  EXPECT_EQ(outage_alerts, 1);
}
