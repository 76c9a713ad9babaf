// Kill -9 the tickgate process while LLM calls are in flight, restart it on the same data dir
// and group, and show with the provider's own counts that nothing was paid twice and nothing
// was lost.
#include <gtest/gtest.h>

#include <set>

#include <sys/wait.h>

#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <sstream>

#include "actors/sink/decision_record.hpp"
#include "actors/sink/ledger.hpp"
#include "actors/sink/records.hpp"
#include "app/feeds/csv_feed.hpp"
#include "app/feeds/publisher.hpp"
#include "integration/test_support.hpp"
#include "kafka/embedded_broker.hpp"
#include "storage/kv_store.hpp"

using namespace tickgate;
using namespace tickgate::testing;


TEST(crash, sigkill_with_calls_in_flight_pays_nothing_twice_and_loses_nothing) {
  const std::string dir = temp_dir("crash");
  embedded_broker broker(1);
  for (auto t : {"market.ticks", "ai.analyses", "ai.costs", "tickgate.dlq"})
    broker.create_topic(t, 3);
  broker.create_topic("tickgate.budget", 1);  // the cluster budget's sequencer
  auto ticks = read_csv_ticks(real_trades_csv(), {"trades", "America/New_York", ""});
  ASSERT_EQ(publish_ticks(broker.bootstrap(), "market.ticks", ticks, 0, "lz4").sent, ticks.size());

  fake_openai_server server;
  setenv("TICKGATE_TEST_KEY", "sk-crash-test", 1);
  const int callers = 2;
  const std::vector<std::string> common{
      "run",
      "--brokers", broker.bootstrap(),
      "--data-dir", dir,
      "--group", "crash",
      "--admin", "127.0.0.1:0",
      "--config", std::string(TICKGATE_SOURCE_DIR) + "/config/default.json",
      "--set", "routing.provider=\"openai\"",
      "--set", "providers.openai.base_url=\"" + server.base_url() + "\"",
      "--set", "providers.openai.api_key_env=\"TICKGATE_TEST_KEY\"",
      "--set", "pipeline.callers=" + std::to_string(callers),
      "--set", R"(kafka.consumer_properties={"session.timeout.ms":"6000"})"};

  // Run 1: answer 40 calls, then hold; once every caller is stuck inside a call, every
  // earlier answer has been written ahead. Kill -9 there, calls in flight.
  // No commit before the kill (interval 10 min): every tick comes back in run 2, so every
  // paid call of run 1 must come back as a ledger hit.
  server.hold_after(40);
  auto first_args = common;
  first_args.insert(first_args.end(), {"--set", "kafka.commit_interval_ms=600000"});
  pid_t first = spawn_tickgate(first_args, dir + "/run1.log");
  ASSERT_GT(first, 0);
  ASSERT_TRUE(server.wait_held(callers, 120)) << slurp(dir + "/run1.log");
  ASSERT_EQ(kill(first, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(first, &status, 0), first);
  ASSERT_TRUE(WIFSIGNALED(status));
  const int paid_before = static_cast<int>(server.paid().size());
  EXPECT_EQ(paid_before, 40);
  server.release();  // the held calls fail (503, no usage): not paid

  // Run 2: same data dir and group, to the end.
  auto args = common;
  args.push_back("--until-eof");
  pid_t second = spawn_tickgate(args, dir + "/run2.log");
  ASSERT_GT(second, 0);
  ASSERT_EQ(waitpid(second, &status, 0), second);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << slurp(dir + "/run2.log");

  // The 40 calls paid before the kill were answered from the ledger (written ahead by the
  // callers) or from the persisted cache (when the sink had got to them), not paid again.
  const auto log2 = slurp(dir + "/run2.log");
  auto count_of = [&](const std::string& label) {
    auto pos = log2.find(" " + label + "=", log2.find("analyses by source"));
    return pos == std::string::npos ? -1 : std::stoi(log2.substr(pos + label.size() + 2));
  };
  EXPECT_GE(count_of("ledger") + count_of("cache"), 40) << log2;
  EXPECT_GT(count_of("ledger"), 0) << log2;

  // Nothing paid twice: by the provider's own count of answered request bodies.
  for (auto& [body, n] : server.paid()) ASSERT_EQ(n, 1) << "paid twice: " << body.substr(0, 200);
  // The held calls were re-made in run 2 (their ticks were never committed) and paid once.
  EXPECT_GT(static_cast<int>(server.paid().size()), paid_before);

  // Nothing lost: every paid call has its ledger record, every tick its decisions.
  auto store = open_rocksdb_store(dir + "/db", false);
  int records = 0, all_records = 0;
  // Paid records only: a live run under a held provider may also shed LOW requests to rules
  // (recorded, unpaid), depending on how far the backlog got before the kill.
  store->scan(column::ledger, "", [&](std::string_view k, std::string_view v) {
    ledger_row row;
    all_records += k.rfind("agg/", 0) != 0;
    records += k.rfind("agg/", 0) != 0 && decode_ledger(std::string(v), row) && row.source == "llm";
    return true;
  });
  EXPECT_EQ(records, static_cast<int>(server.paid().size()));
  // One record per tick: a tick re-processed after the kill is read once.
  std::set<std::pair<int32_t, int64_t>> ticks_logged;
  size_t verdicts = 0;
  decision_log_reader reader(*store);
  reader.for_each([&](const decision_line& l) {
    ticks_logged.emplace(l.record->work.t.partition, l.record->work.t.offset);
    return ++verdicts > 0;
  });
  EXPECT_EQ(reader.bad(), 0);
  EXPECT_EQ(ticks_logged.size(), ticks.size());
  EXPECT_EQ(verdicts, ticks.size() * 4);
  auto day = ledger_aggregate(*store, "agg/day/2014-09-17/total");
  EXPECT_EQ(day[lf_requests], all_records);  // aggregates counted each request exactly once
  auto committed = committed_offsets(broker.bootstrap(), "crash", "market.ticks", 3);
  std::map<int32_t, int64_t> ends;
  for (auto& r : read_topic(broker.bootstrap(), "market.ticks"))
    ends[r.partition] = std::max(ends[r.partition], r.offset + 1);
  for (auto& [p, end] : ends) EXPECT_EQ(committed[p], end) << "partition " << p;
}
