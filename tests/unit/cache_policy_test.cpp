#include <gtest/gtest.h>

#include "actors/cache/cache_policy.hpp"

#include <algorithm>

using namespace tickgate;

namespace {
cached_answer answer(int64_t at, int64_t ttl, size_t payload = 10) {
  return cached_answer{"p", "m", std::string(payload, 'x'), at, ttl, 5};
}
}  // namespace

TEST(cache_policy, ttl_on_event_time_boundaries) {
  cache_policy c(1 << 20, 48ll * 3600 * 1000);
  c.put("k", answer(1000, 60'000));
  EXPECT_NE(c.get("k", 1000), nullptr);
  EXPECT_NE(c.get("k", 61'000), nullptr);  // exactly at TTL
  EXPECT_EQ(c.get("k", 61'001), nullptr);  // just past
  EXPECT_EQ(c.size(), 0u);                 // expired entries are dropped
}

TEST(cache_policy, max_age_caps_any_ttl) {
  cache_policy c(1 << 20, 10'000);
  c.put("k", answer(0, 1'000'000));
  EXPECT_NE(c.get("k", 10'000), nullptr);
  EXPECT_EQ(c.get("k", 10'001), nullptr);
}

TEST(cache_policy, exact_key_only) {
  cache_policy c(1 << 20, 1'000'000);
  c.put("agent/v1/S/abc", answer(0, 1000));
  EXPECT_EQ(c.get("agent/v1/S/abd", 0), nullptr);
  EXPECT_EQ(c.get("agent/v1/S/ab", 0), nullptr);
}

TEST(cache_policy, bounded_in_bytes_evicting_least_recent) {
  cache_policy c(1000, 1'000'000);
  c.put("a", answer(0, 1000, 300));
  c.put("b", answer(0, 1000, 300));
  ASSERT_NE(c.get("a", 0), nullptr);  // a is now most recent
  c.put("c", answer(0, 1000, 300));   // over 1000 bytes: b goes
  EXPECT_LE(c.bytes(), 1000);
  EXPECT_NE(c.get("a", 0), nullptr);
  EXPECT_EQ(c.get("b", 0), nullptr);
  EXPECT_NE(c.get("c", 0), nullptr);
  EXPECT_EQ(c.evictions(), 1u);
  c.put("huge", answer(0, 1000, 5000));  // larger than the whole cache: not stored
  EXPECT_EQ(c.get("huge", 0), nullptr);
  EXPECT_LE(c.bytes(), 1000);
}

TEST(cache_policy, invalidate_by_prefix) {
  cache_policy c(1 << 20, 1'000'000);
  c.put("ag/v1/ETF/1", answer(0, 1000));
  c.put("ag/v1/ETF/2", answer(0, 1000));
  c.put("ag/v1/AAA/1", answer(0, 1000));
  EXPECT_EQ(c.invalidate_prefix("ag/v1/ETF/"), 2u);
  EXPECT_EQ(c.size(), 1u);
}

TEST(cache_policy, high_volatility_caps_ttl_at_four_hours) {
  const int64_t h4 = 4 * 3'600'000;
  EXPECT_EQ(effective_ttl_ms(10 * 3'600'000, 90.0, h4), 10 * 3'600'000);  // rank 90: not above
  EXPECT_EQ(effective_ttl_ms(10 * 3'600'000, 90.1, h4), h4);
  EXPECT_EQ(effective_ttl_ms(60'000, 99.0, h4), 60'000);  // shorter TTLs stay
}

TEST(cache_policy, invalidate_by_symbol_covers_batches) {
  cache_policy c(1 << 20, 1'000'000);
  auto with = [](std::vector<std::string> syms) {
    cached_answer a{"p", "m", "[]", 0, 1000, 1, std::move(syms)};
    return a;
  };
  c.put("ag/v1/ETF/fp/m", with({"ETF"}));
  c.put("ag/v1/batch/h/m", with({"AAA", "ETF"}));
  c.put("ag/v1/BBB/fp/m", with({"BBB"}));
  EXPECT_EQ(c.invalidate_if([](const std::string&, const cached_answer& a) {
              return std::find(a.symbols.begin(), a.symbols.end(), "ETF") != a.symbols.end();
            }),
            2u);
  EXPECT_NE(c.get("ag/v1/BBB/fp/m", 0), nullptr);
}
