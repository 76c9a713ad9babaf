// Retention of idle symbols over the Kafka protocol: a symbol without a tick for
// storage.retention.symbol_idle_days leaves every stage and the state changelog (a tombstone),
// and trades again from a cold start; a symbol that keeps trading keeps its state.
#include <gtest/gtest.h>

#include "actors/sink/changelog_book.hpp"
#include "actors/sink/decision_record.hpp"
#include "app/feeds/publisher.hpp"
#include "app/pipeline/pipeline.hpp"
#include "integration/test_support.hpp"
#include "kafka/embedded_broker.hpp"
#include "storage/kv_store.hpp"

using namespace tickgate;
using namespace tickgate::testing;

namespace {

constexpr int64_t k_minute = 60'000;
constexpr int64_t k_day = 86'400'000;
constexpr int64_t k_t0 = 1'700'000'000'000;  // 2023-11-14
constexpr int64_t k_return = k_t0 + 9 * k_day;  // IDLE trades again, 9 days on

/// IDLE trades for 30 minutes on day 0 and again on day 9, 10% higher; GONE on day 0 only;
/// BUSY every 30 minutes throughout. Event-time order.
std::vector<tick> session() {
  std::vector<tick> out;
  auto add = [&](const char* symbol, int64_t ts, double price) {
    tick t;
    t.symbol = symbol, t.ts = ts, t.price = price, t.volume = 100;
    out.push_back(t);
  };
  for (int m = 0; m < 30; ++m) add("IDLE", k_t0 + m * k_minute, 100.0 + 0.01 * m);
  for (int m = 0; m < 30; ++m) add("GONE", k_t0 + m * k_minute + 2, 20.0);
  for (int64_t ts = k_t0; ts < k_return + k_day; ts += 30 * k_minute) add("BUSY", ts + 1, 50.0);
  for (int m = 0; m < 5; ++m) add("IDLE", k_return + m * k_minute, 110.0);
  std::stable_sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.ts < b.ts; });
  return out;
}

struct result {
  uint64_t evicted = 0;
  std::vector<std::string> return_events;  // of IDLE's first tick on day 9
  std::string idle_changelog = "absent";   // the last changelog record of IDLE ("" = tombstone)
  std::string gone_changelog = "absent";   // and of GONE
};

result run(const std::string& name, int idle_days) {
  embedded_broker broker(1);
  for (auto t : {"market.ticks", "ai.analyses", "ai.costs", "tickgate.dlq", "ai.alerts", "tickgate.state"})
    broker.create_topic(t, 1);
  broker.create_topic("tickgate.budget", 1);
  const auto ticks = session();
  EXPECT_EQ(publish_ticks(broker.bootstrap(), "market.ticks", ticks, 0, "lz4").sent, ticks.size());
  const auto dir = temp_dir(name);
  auto cfg = load_config(std::string(TICKGATE_SOURCE_DIR) + "/config/default.json",
                         {"storage.data_dir=\"" + dir + "\"", "kafka.group_id=\"" + name + "\"",
                          "storage.retention.symbol_idle_days=" + std::to_string(idle_days),
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
  result out;
  out.evicted = stats.total("tickgate_symbols_evicted_total");
  EXPECT_EQ(stats.total("tickgate_ticks_total"), ticks.size());
  decision_log_reader reader(*store);
  reader.for_symbol("IDLE", k_return, k_return, [&](const decision_line& l) {
    if (out.return_events.empty())
      for (auto& e : l.record->work.events) out.return_events.push_back(to_string(static_cast<event_type>(e.type)));
    return false;
  });
  for (auto& r : read_topic(broker.bootstrap(), "tickgate.state"))
    if (r.key == changelog_symbol_key(name, "IDLE")) out.idle_changelog = r.value;
    else if (r.key == changelog_symbol_key(name, "GONE")) out.gone_changelog = r.value;
  return out;
}

}  // namespace

TEST(idle_symbols, leave_the_state_and_the_changelog_and_come_back_cold) {
  const auto kept = run("idle_kept", 0);  // 0: never dropped
  EXPECT_EQ(kept.evicted, 0u);
  // Warm: the 10% jump from day 0's price is an event.
  ASSERT_FALSE(kept.return_events.empty());
  EXPECT_NE(std::find(kept.return_events.begin(), kept.return_events.end(), "price_change"),
            kept.return_events.end());
  EXPECT_FALSE(kept.idle_changelog.empty());  // their state is in the changelog
  EXPECT_FALSE(kept.gone_changelog.empty());
  EXPECT_NE(kept.gone_changelog, "absent");

  const auto dropped = run("idle_dropped", 7);
  EXPECT_EQ(dropped.evicted, 2u);  // IDLE and GONE: BUSY traded every 30 minutes
  // Cold: a first tick has nothing to move from.
  EXPECT_EQ(dropped.return_events, std::vector<std::string>{"price_update"});
  // IDLE's state is written again once it trades; GONE's record ends as a tombstone, so a
  // later owner of the partition does not restore it.
  EXPECT_FALSE(dropped.idle_changelog.empty());
  EXPECT_EQ(dropped.gone_changelog, "");
}
