// Retention: the decision log read back by symbol and time across days, whole days dropped
// with a range delete, ledger records and cache entries expired by event time in compaction,
// and what must stay (aggregates, the days within retention, entries still servable).
#include <gtest/gtest.h>

#include <filesystem>

#include "actors/sink/decision_record.hpp"
#include "actors/sink/retention.hpp"
#include "storage/kv_store.hpp"

using namespace tickgate;

namespace {

constexpr int64_t k_day = 86'400'000;
constexpr int64_t k_t0 = 19'000 * k_day;  // 2022-01-08 00:00 UTC

std::string temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("tickgate_retention_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir.string();
}

struct rocksdb_impl {
  static std::unique_ptr<kv_store> make() {
    static int n = 0;
    return open_rocksdb_store(temp_dir(std::to_string(n++)), false);
  }
};
struct memory_impl {
  static std::unique_ptr<kv_store> make() { return make_memory_store(); }
};

template <class Impl>
class retention_suite : public ::testing::Test {
 protected:
  std::unique_ptr<kv_store> store = Impl::make();

  /// One record per (symbol, ts): two agents, the second's reason naming the tick.
  void log(const std::string& symbol, int64_t ts, int64_t offset) {
    tick_work w;
    w.t.symbol = symbol, w.t.ts = ts, w.t.partition = 0, w.t.offset = offset, w.t.price = 10;
    agent_verdict a, b;
    a.agent = 0, a.reason = "not_subscribed", a.act = static_cast<uint8_t>(action::skip);
    b.agent = 1, b.reason = "interval elapsed_ms=" + std::to_string(offset);
    b.act = static_cast<uint8_t>(action::skip);
    w.verdicts = {a, b};
    // As a shard writes it: a block (of one record here).
    decision_rows rows;
    decision_block_builder builder(table);
    builder.add(rows, w, 0);
    builder.finish(rows);
    write_batch batch;
    for_each_decision_block(rows, [&](std::string_view k, std::string_view v) {
      batch.put(column::decisions, std::string(k), std::string(v));
    });
    store->write(batch);
  }
  std::vector<std::string> read(const std::string& symbol, int64_t from, int64_t to) {
    std::vector<std::string> out;
    decision_log_reader reader(*store);
    reader.for_symbol(symbol, from, to, [&](const decision_line& l) {
      out.push_back(l.agent + "@" + std::to_string(l.record->work.t.ts));
      return true;
    });
    return out;
  }
  uint32_t table = agent_table_id({"regime", "anomaly"});
};

using impls = ::testing::Types<rocksdb_impl, memory_impl>;
TYPED_TEST_SUITE(retention_suite, impls);

}  // namespace

TYPED_TEST(retention_suite, the_log_is_read_by_symbol_and_time_across_days) {
  auto& s = *this->store;
  s.put(column::state, decision_agents_key(this->table), encode_agent_table({"regime", "anomaly"}));
  int64_t offset = 0;
  for (int d = 0; d < 5; ++d)
    for (const char* sym : {"AAA", "AA", "B"})
      for (int64_t m : {0, 3'600'000, 86'399'999}) this->log(sym, k_t0 + d * k_day + m, offset++);
  // AA only (not AAA, whose name it prefixes), days 1 to 3 within [day1 + 1h, day3 + 1h].
  auto rows = this->read("AA", k_t0 + k_day + 3'600'000, k_t0 + 3 * k_day + 3'600'000);
  const std::vector<std::string> expected{
      "regime@" + std::to_string(k_t0 + k_day + 3'600'000), "anomaly@" + std::to_string(k_t0 + k_day + 3'600'000),
      "regime@" + std::to_string(k_t0 + k_day + 86'399'999), "anomaly@" + std::to_string(k_t0 + k_day + 86'399'999),
      "regime@" + std::to_string(k_t0 + 2 * k_day), "anomaly@" + std::to_string(k_t0 + 2 * k_day),
      "regime@" + std::to_string(k_t0 + 2 * k_day + 3'600'000), "anomaly@" + std::to_string(k_t0 + 2 * k_day + 3'600'000),
      "regime@" + std::to_string(k_t0 + 2 * k_day + 86'399'999), "anomaly@" + std::to_string(k_t0 + 2 * k_day + 86'399'999),
      "regime@" + std::to_string(k_t0 + 3 * k_day), "anomaly@" + std::to_string(k_t0 + 3 * k_day),
      "regime@" + std::to_string(k_t0 + 3 * k_day + 3'600'000), "anomaly@" + std::to_string(k_t0 + 3 * k_day + 3'600'000)};
  EXPECT_EQ(rows, expected);
  EXPECT_EQ(this->read("AA", INT64_MIN, INT64_MAX).size(), 5u * 3 * 2);
  EXPECT_TRUE(this->read("A", INT64_MIN, INT64_MAX).empty());
  // A table the store does not hold still renders, with numbered agents.
  this->table = 7;
  this->log("C", k_t0, offset++);
  EXPECT_EQ(this->read("C", k_t0, k_t0), (std::vector<std::string>{"agent#0@" + std::to_string(k_t0),
                                                                    "agent#1@" + std::to_string(k_t0)}));
}

TYPED_TEST(retention_suite, whole_days_past_retention_are_dropped_and_the_rest_stays) {
  auto& s = *this->store;
  retention_clock clock(3);  // keep 3 event days: the newest tick's and the 2 before
  int64_t offset = 0, dropped_days = 0;
  for (int d = 0; d < 6; ++d)
    for (int64_t m : {0, 43'200'000}) {
      const int64_t ts = k_t0 + d * k_day + m;
      this->log("S", ts, offset++);
      if (clock.observe(ts)) {
        s.drop_range(column::decisions, "", decision_day_prefix(clock.first_day_kept()));
        ++dropped_days;
      }
    }
  EXPECT_EQ(dropped_days, 6);  // once per new day, not per tick
  EXPECT_FALSE(clock.observe(k_t0 + 2 * k_day));  // an older tick moves nothing
  auto rows = this->read("S", INT64_MIN, INT64_MAX);
  ASSERT_EQ(rows.size(), 3u * 2 * 2);  // days 3, 4, 5: two ticks of two verdicts each
  EXPECT_EQ(rows.front(), "agent#0@" + std::to_string(k_t0 + 3 * k_day));
  EXPECT_EQ(rows.back(), "agent#1@" + std::to_string(k_t0 + 5 * k_day + 43'200'000));
}

TYPED_TEST(retention_suite, ledger_records_expire_by_event_time_and_aggregates_stay) {
  auto& s = *this->store;
  auto newest = std::make_shared<std::atomic<int64_t>>(INT64_MIN);
  s.set_expiry(column::ledger, ledger_expiry(newest, 30));
  write_batch b;
  b.put(column::ledger, "req-old", R"({"request_id":"req-old","error":"\"event_ts\":99999999999999","event_ts":)" +
                                        std::to_string(k_t0) + "}");
  b.put(column::ledger, "req-edge", R"({"event_ts":)" + std::to_string(k_t0 + k_day) + "}");
  b.put(column::ledger, "req-new", R"({"event_ts":)" + std::to_string(k_t0 + 20 * k_day) + "}");
  b.put(column::ledger, "req-no-time", R"({"request_id":"x"})");
  b.add(column::ledger, "agg/day/2022-01-08/total", {1, 2, 3});
  s.write(b);
  s.compact(column::ledger);
  std::string v;
  EXPECT_TRUE(s.get(column::ledger, "req-old", v));  // no clock yet: nothing expires
  newest->store(k_t0 + 31 * k_day);  // 30 days kept: before k_t0 + 1 day goes
  s.compact(column::ledger);
  EXPECT_FALSE(s.get(column::ledger, "req-old", v));
  EXPECT_TRUE(s.get(column::ledger, "req-edge", v));
  EXPECT_TRUE(s.get(column::ledger, "req-new", v));
  EXPECT_TRUE(s.get(column::ledger, "req-no-time", v));
  ASSERT_TRUE(s.get(column::ledger, "agg/day/2022-01-08/total", v));
  EXPECT_EQ(unpack_counters(v), (std::vector<int64_t>{1, 2, 3}));
  s.set_expiry(column::ledger, ledger_expiry(newest, 0));  // 0: forever
  newest->store(k_t0 + 3000 * k_day);
  s.compact(column::ledger);
  EXPECT_TRUE(s.get(column::ledger, "req-edge", v));
}

TYPED_TEST(retention_suite, cache_entries_go_once_they_can_no_longer_be_served) {
  auto& s = *this->store;
  auto newest = std::make_shared<std::atomic<int64_t>>(k_t0 + 10 * k_day + 5);
  s.set_expiry(column::cache, cache_expiry(newest, /*max_age_ms=*/2 * k_day));
  auto entry = [](int64_t stored, int64_t ttl) {
    return R"({"cost":1,"model":"m","provider":"p","results":"[{\"stored_at\":1}]","stored_at":)" +
           std::to_string(stored) + R"(,"symbols":["S"],"ttl_ms":)" + std::to_string(ttl) + "}";
  };
  // The horizon is the start of the day before the newest tick's: k_t0 + 9 days.
  write_batch b;
  b.put(column::cache, "expired", entry(k_t0 + 8 * k_day, k_day - 1));
  b.put(column::cache, "servable-yesterday", entry(k_t0 + 8 * k_day, k_day));
  b.put(column::cache, "long-ttl-capped-by-max-age", entry(k_t0 + 6 * k_day, 30 * k_day));
  b.put(column::cache, "fresh", entry(k_t0 + 10 * k_day, 3'600'000));
  b.put(column::cache, "not-an-entry", "garbage");
  s.write(b);
  s.compact(column::cache);
  std::string v;
  EXPECT_FALSE(s.get(column::cache, "expired", v));
  EXPECT_TRUE(s.get(column::cache, "servable-yesterday", v));
  EXPECT_FALSE(s.get(column::cache, "long-ttl-capped-by-max-age", v));
  EXPECT_TRUE(s.get(column::cache, "fresh", v));
  EXPECT_TRUE(s.get(column::cache, "not-an-entry", v));
}

// On disk: dropped days give their space back and stay gone after a reopen.
TEST(retention_rocksdb, dropped_days_free_the_disk_and_stay_gone) {
  const auto dir = temp_dir("disk");
  std::string value(200, 'x');
  {
    auto s = open_rocksdb_store(dir, false);
    for (int d = 0; d < 10; ++d) {
      write_batch b;
      for (int i = 0; i < 5000; ++i) {
        tick_work w;
        w.t.symbol = "S", w.t.ts = k_t0 + d * k_day + i, w.t.partition = 0, w.t.offset = d * 5000 + i;
        value[0] = static_cast<char>(i);
        b.put(column::decisions, decision_log_key(w), value + std::to_string(i * 7919));
      }
      s->write(b);
    }
    s->compact(column::decisions);
    const auto before = s->size_bytes(column::decisions);
    s->drop_range(column::decisions, "", decision_day_prefix(event_day(k_t0) + 8));
    s->compact(column::decisions);
    const auto after = s->size_bytes(column::decisions);
    EXPECT_LT(after * 3, before) << before << " -> " << after;  // 2 of 10 days left
  }
  auto s = open_rocksdb_store(dir, false);
  size_t n = 0;
  s->scan(column::decisions, "", [&](std::string_view, std::string_view) { return ++n > 0; });
  EXPECT_EQ(n, 2u * 5000);
  std::filesystem::remove_all(dir);
}

TYPED_TEST(retention_suite, analyses_expire_by_their_ticks_time_not_by_a_ts_in_the_answer) {
  auto& s = *this->store;
  auto newest = std::make_shared<std::atomic<int64_t>>(k_t0 + 40 * k_day);
  s.set_expiry(column::analyses, analyses_expiry(newest, 30));
  // As encode_analysis writes them: keys sorted, the model's answer before the tick's "ts".
  auto record = [](int64_t answer_ts, int64_t ts) {
    return R"({"agent":"a","result":{"regime":"calm","ts":)" + std::to_string(answer_ts) +
           R"(},"symbol":"S","trigger":{"reason":"x"},"ts":)" + std::to_string(ts) +
           R"(,"usage":{"cached":0,"input":1,"output":2}})";
  };
  write_batch b;
  b.put(column::analyses, "old/000", record(k_t0 + 40 * k_day, k_t0 + 9 * k_day));
  b.put(column::analyses, "new/000", record(0, k_t0 + 10 * k_day));
  s.write(b);
  s.compact(column::analyses);
  std::string v;
  EXPECT_FALSE(s.get(column::analyses, "old/000", v));
  EXPECT_TRUE(s.get(column::analyses, "new/000", v));
}
