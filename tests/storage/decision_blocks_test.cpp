// The decision log in blocks (one RocksDB entry per event day, symbol and round): a round's
// records come back record for record in key order, and the reader merges blocks that overlap
// in time or repeat a tick (re-processed after a crash) into key order, each tick once, from
// RocksDB as from older data dirs' lone records.
#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <tuple>
#include <unistd.h>

#include "actors/sink/decision_record.hpp"
#include "actors/sink/records.hpp"
#include "storage/kv_store.hpp"

using namespace tickgate;

namespace {

struct logged_tick {
  std::string symbol;
  int64_t ts;
  int32_t partition;
  int64_t offset;
};

tick_work work_of(const logged_tick& t) {
  tick_work w;
  w.t.symbol = t.symbol, w.t.ts = t.ts, w.t.partition = t.partition, w.t.offset = t.offset;
  w.t.price = 100 + static_cast<double>(t.offset % 97) / 8;
  w.config_version = 3;
  agent_verdict a, b;
  a.agent = 0, a.reason = "not_subscribed", a.act = static_cast<uint8_t>(action::skip);
  b.agent = 1, b.reason = "interval elapsed_ms=" + std::to_string(t.offset);
  b.act = static_cast<uint8_t>(action::batch);
  w.verdicts = {a, b};
  if (t.offset % 7 == 0) {  // now and then a record past 127 bytes: a two-byte length
    agent_verdict c;
    c.agent = 2, c.reason = "outside event: " + std::string(100 + t.offset % 200, 'x');
    w.verdicts.push_back(c);
  }
  return w;
}

// A stream of three symbols (each on its partition, offsets rising) over two event days whose
// event time now and then goes back by up to a minute.
std::vector<logged_tick> stream(std::mt19937_64& rng, size_t n) {
  const std::vector<std::string> symbols{"AAPL", "ES.1", "MSFT"};
  constexpr int64_t midnight = int64_t{86'400'000} * 20'000;  // 2024-10-04
  std::vector<int64_t> ts{midnight - 3'600'000, midnight - 1'800'000, midnight - 600'000};
  std::vector<int64_t> offsets{0, 0, 0};
  std::vector<logged_tick> out;
  for (size_t i = 0; i < n; ++i) {
    const size_t s = rng() % symbols.size();
    ts[s] += rng() % 10 == 0 ? -static_cast<int64_t>(rng() % 60'000) : static_cast<int64_t>(rng() % 20'000);
    out.push_back({symbols[s], ts[s], static_cast<int32_t>(s), offsets[s]++});
  }
  return out;
}

// What the log must read back: every tick once, in key order, as a lone record would be.
std::vector<std::pair<std::string, std::string>> expected_records(const std::vector<logged_tick>& ticks) {
  std::map<std::string, std::string> m;
  for (auto& t : ticks) {
    const auto w = work_of(t);
    m.emplace(decision_log_key(w), encode_decision_record(w, 42));
  }
  return {m.begin(), m.end()};
}

// The shards' rounds of `ticks` (sizes 1-200) as a store holds them: key order, a key written
// twice holding the later value.
void write_rounds(std::mt19937_64& rng, const std::vector<logged_tick>& ticks,
                  std::map<std::string, std::string>& store) {
  decision_block_builder builder(42);
  for (size_t at = 0; at < ticks.size();) {
    const size_t n = std::min<size_t>(1 + rng() % 200, ticks.size() - at);
    decision_rows rows;
    for (size_t i = at; i < at + n; ++i) builder.add(rows, work_of(ticks[i]), 0);
    builder.finish(rows);
    EXPECT_EQ(rows.size(), n);
    for_each_decision_block(rows, [&](std::string_view k, std::string_view v) {
      store[std::string(k)] = std::string(v);
    });
    at += n;
  }
}

// Equal record lists, told as counts and the first difference (not two dumps of binary keys).
void expect_same_records(const std::vector<std::pair<std::string, std::string>>& got,
                         const std::vector<std::pair<std::string, std::string>>& want,
                         const std::string& what) {
  EXPECT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < std::min(got.size(), want.size()); ++i)
    if (got[i] != want[i]) {
      ADD_FAILURE() << what << ": record " << i << " of " << want.size() << " differs"
                    << (got[i].first != want[i].first ? " (key)" : " (value)");
      return;
    }
}

}  // namespace

TEST(decision_blocks, a_round_is_one_block_per_day_and_symbol_holding_its_records_in_key_order) {
  std::mt19937_64 rng(5);
  const auto ticks = stream(rng, 400);
  decision_block_builder builder(42);
  decision_rows rows;
  for (auto& t : ticks) builder.add(rows, work_of(t), 1);
  builder.finish(rows);
  ASSERT_EQ(rows.size(), ticks.size());  // the bookkeeping stays per tick, in arrival order
  for (size_t i = 0; i < ticks.size(); ++i) {
    EXPECT_EQ(rows.offsets[i], ticks[i].offset);
    EXPECT_EQ(rows.ts[i], ticks[i].ts);
  }
  size_t verdicts = 0;
  for (auto& t : ticks) verdicts += work_of(t).verdicts.size();
  EXPECT_EQ(rows.verdicts, verdicts);
  std::set<std::pair<int64_t, std::string>> day_symbols;
  for (auto& t : ticks) day_symbols.emplace(event_day(t.ts), t.symbol);
  EXPECT_EQ(rows.key_sizes.size(), day_symbols.size());
  std::vector<std::pair<std::string, std::string>> got;
  for_each_decision_block(rows, [&](std::string_view key, std::string_view value) {
    std::string first;
    EXPECT_TRUE(for_each_decision_entry(key, value, [&](std::string_view k, std::string_view v) {
      if (first.empty()) first = std::string(k);
      if (!got.empty() && got.back().first.substr(0, 5) == std::string(k).substr(0, 5)) {
        EXPECT_LT(got.back().first, k);  // in key order within the block
      }
      got.emplace_back(std::string(k), std::string(v));
    }));
    EXPECT_EQ(decision_entry_first_key(key, value), first);  // keyed by its smallest record
  });
  std::sort(got.begin(), got.end());
  expect_same_records(got, expected_records(ticks), "one round");
}

TEST(decision_blocks, read_back_in_key_order_each_tick_once_however_the_rounds_fell) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    std::mt19937_64 rng(seed);
    const auto ticks = stream(rng, 1'500);
    std::map<std::string, std::string> store;
    write_rounds(rng, ticks, store);
    // A crash: everything after a random point is decided and written again, in other rounds.
    const size_t replay_from = rng() % ticks.size();
    write_rounds(rng, {ticks.begin() + static_cast<std::ptrdiff_t>(replay_from), ticks.end()}, store);
    std::vector<std::pair<std::string, std::string>> got;
    decision_merge merge([&](std::string_view k, std::string_view v) {
      got.emplace_back(std::string(k), std::string(v));
      return true;
    });
    for (auto& [k, v] : store) ASSERT_TRUE(merge.feed(k, v));
    ASSERT_TRUE(merge.finish());
    EXPECT_EQ(merge.bad(), 0);
    expect_same_records(got, expected_records(ticks), "seed " + std::to_string(seed));
  }
}

TEST(decision_blocks, the_reader_gives_a_symbol_and_time_range_from_blocks_and_lone_records) {
  std::mt19937_64 rng(9);
  const auto ticks = stream(rng, 2'000);
  std::map<std::string, std::string> blocks;
  write_rounds(rng, ticks, blocks);
  const auto dir = std::filesystem::temp_directory_path() /
                   ("tickgate_decision_blocks_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto store = open_rocksdb_store(dir.string(), false);
  write_batch batch;
  for (auto& [k, v] : blocks) batch.put(column::decisions, k, v);
  // An older data dir's lone records (value version 1) of another symbol.
  size_t old_verdicts = 0;
  for (auto& t : stream(rng, 50)) {
    auto lone = t;
    lone.symbol = "OLD";
    const auto w = work_of(lone);
    old_verdicts += w.verdicts.size();
    batch.put(column::decisions, decision_log_key(w), encode_decision_record(w, 42));
  }
  store->write(batch);
  store->put(column::state, decision_agents_key(42), encode_agent_table({"regime", "anomaly"}));
  std::vector<int64_t> es_times;
  for (auto& t : ticks)
    if (t.symbol == "ES.1") es_times.push_back(t.ts);
  ASSERT_GT(es_times.size(), 500u);
  for (const std::string symbol : {"ES.1", "OLD"}) {
    const int64_t from = symbol == "OLD" ? INT64_MIN : es_times[100];
    const int64_t to = symbol == "OLD" ? INT64_MAX : es_times[400];
    std::vector<std::tuple<int64_t, int64_t, std::string>> want, got;
    if (symbol == "ES.1") {
      for (auto& t : ticks)
        if (t.symbol == symbol && t.ts >= from && t.ts <= to)
          for (auto& v : work_of(t).verdicts)  // an agent not in the table reads as agent#N
            want.emplace_back(t.ts, t.offset, v.agent == 0 ? "regime" : v.agent == 1 ? "anomaly" : "agent#2");
    }
    std::stable_sort(want.begin(), want.end(), [](auto& a, auto& b) {
      return std::tie(std::get<0>(a), std::get<1>(a)) < std::tie(std::get<0>(b), std::get<1>(b));
    });
    decision_log_reader reader(*store);
    reader.for_symbol(symbol, from, to, [&](const decision_line& l) {
      got.emplace_back(l.record->work.t.ts, l.record->work.t.offset, l.agent);
      return true;
    });
    EXPECT_EQ(reader.bad(), 0);
    if (symbol == "ES.1") {
      EXPECT_GT(want.size(), 100u);
      EXPECT_EQ(got, want);  // (time, offset, agent) order
    } else {
      EXPECT_EQ(got.size(), old_verdicts);  // lone records read as before: 50 ticks
      EXPECT_TRUE(std::is_sorted(got.begin(), got.end(), [](auto& a, auto& b) {
        return std::tie(std::get<0>(a), std::get<1>(a)) < std::tie(std::get<0>(b), std::get<1>(b));
      }));
    }
  }
  // Stopping early stops: the first records in key order and nothing after them.
  {
    std::vector<std::string> first;
    decision_log_reader reader(*store);
    reader.for_each_record([&](std::string_view k, std::string_view) {
      first.emplace_back(k);
      return first.size() < 5;
    });
    auto all = expected_records(ticks);
    ASSERT_EQ(first.size(), 5u);
    for (size_t i = 0; i < 5; ++i) EXPECT_EQ(first[i], all[i].first) << i;
  }
  // A damaged block is counted, not misread.
  auto bad = blocks.begin()->second;
  bad.resize(bad.size() - 3);
  decision_merge merge([](std::string_view, std::string_view) { return true; });
  merge.feed(blocks.begin()->first, bad);
  EXPECT_EQ(merge.bad(), 1);
  store.reset();
  std::filesystem::remove_all(dir);
}
