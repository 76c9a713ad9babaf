#include <gtest/gtest.h>

#include <random>

#include "actors/batching/batching_policy.hpp"
#include "actors/cache/state_key.hpp"
#include "config/config.hpp"

using namespace tickgate;

namespace {
request_item item(int32_t partition, int64_t ts, const std::string& sym = "S") {
  request_item it;
  it.symbol = sym;
  it.partition = partition;
  it.ts = ts;
  it.fingerprint = "fp" + std::to_string(ts);
  return it;
}
}  // namespace

TEST(batching_policy, flushes_at_batch_size) {
  batching_policy b(5, 10'000);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(b.add(0, item(0, i), 0).empty());
  auto full = b.add(0, item(0, 4), 0);
  ASSERT_EQ(full.size(), 5u);
  EXPECT_EQ(full.front().ts, 0);
  EXPECT_EQ(full.back().ts, 4);
  EXPECT_EQ(b.open_items(), 0u);
}

TEST(batching_policy, flushes_on_event_time_timeout_per_partition) {
  batching_policy b(5, 10'000);
  b.add(0, item(0, 1000), 0);
  b.add(1, item(0, 2000), 0);  // another agent, same partition
  b.add(0, item(1, 1000), 0);  // another partition
  EXPECT_TRUE(b.advance(0, 10'999).empty());  // 9.999 s after the first event
  auto out = b.advance(0, 11'000);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].first, 0);
  EXPECT_EQ(b.open_items(), 2u);  // partition 1 and agent 1 untouched
  out = b.advance(0, 12'000);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].first, 1);
  EXPECT_EQ(b.flush_all().size(), 1u);
}

TEST(batching_policy, a_revoked_partition_flushes_only_its_own_batches) {
  batching_policy b(5, 10'000);
  b.add(0, item(3, 1000), 0);
  b.add(0, item(3, 1500), 0);
  b.add(2, item(3, 1200), 0);
  b.add(0, item(4, 1000), 0);  // another partition stays open
  auto out = b.flush_partition(3);
  ASSERT_EQ(out.size(), 2u);
  size_t items = 0;
  for (auto& [agent, batch] : out)
    for (auto& it : batch) {
      EXPECT_EQ(it.partition, 3);
      ++items;
    }
  EXPECT_EQ(items, 3u);
  EXPECT_EQ(b.open_items(), 1u);
  EXPECT_TRUE(b.flush_partition(3).empty());
}

TEST(batching_policy, idle_flush_on_wall_clock) {
  batching_policy b(5, 10'000);
  b.add(0, item(0, 1), /*wall=*/1000);
  EXPECT_TRUE(b.flush_idle(5000, 10'000).empty());
  EXPECT_EQ(b.flush_idle(11'000, 10'000).size(), 1u);
}

TEST(batching_policy, property_batch_never_exceeds_size) {
  std::mt19937 rng(3);
  batching_policy b(5, 10'000);
  size_t in = 0, out = 0;
  int64_t ts = 0;
  for (int i = 0; i < 10'000; ++i) {
    ts += rng() % 4000;
    int32_t p = static_cast<int32_t>(rng() % 3);
    for (auto& [a, items] : b.advance(p, ts)) {
      ASSERT_LE(items.size(), 5u);
      out += items.size();
    }
    ++in;
    auto full = b.add(static_cast<uint16_t>(rng() % 2), item(p, ts), 0);
    ASSERT_LE(full.size(), 5u);
    out += full.size();
  }
  for (auto& [a, items] : b.flush_all()) out += items.size();
  EXPECT_EQ(in, out);  // nothing lost, nothing duplicated
}

TEST(batching_policy, request_id_is_deterministic_and_versioned) {
  config c;
  agent_config a;
  a.name = "market_regime";
  c.agents.push_back(a);
  auto r1 = make_request(c, 0, {item(0, 5, "ETF")});
  auto r2 = make_request(c, 0, {item(0, 5, "ETF")});
  EXPECT_EQ(r1.request_id, r2.request_id);
  EXPECT_EQ(r1.request_id.size(), 32u);
  c.version = 2;
  EXPECT_NE(make_request(c, 0, {item(0, 5, "ETF")}).request_id, r1.request_id);
  EXPECT_NE(make_request(c, 0, {item(0, 6, "ETF")}).request_id.substr(0, 32), "");
  // One item: its own cache key, agent/prompt version/key version/symbol/quantised state.
  EXPECT_EQ(r1.cache_key, "market_regime/v1/" + quantise_version(c.cache_quantise, cf_all) + "/ETF/fp5");
}
