// Provider usage is checked before it becomes money (the hardening review's 3e13 output tokens
// priced to -5.8e18 pUSD).
#include <gtest/gtest.h>

#include <limits>

#include "actors/llm/usage.hpp"

using namespace tickgate;

TEST(usage_bounds, plausible_usage_passes) {
  token_usage u;
  u.uncached_input = 900;
  u.cache_read = 100;
  u.output = 400;
  EXPECT_EQ(implausible_usage(u, 4000, 400), "");
  u.uncached_input = 4000 + 1024 - 100;  // bytes + template margin, exactly
  EXPECT_EQ(implausible_usage(u, 4000, 400), "");
}

TEST(usage_bounds, output_over_max_tokens_and_input_over_bytes_are_rejected) {
  token_usage u;
  u.output = 401;
  EXPECT_NE(implausible_usage(u, 4000, 400), "");
  u.output = 30'000'000'000'000;  // 3e13
  EXPECT_NE(implausible_usage(u, 4000, 400), "");
  token_usage in;
  in.uncached_input = 4000 + 1025;
  EXPECT_NE(implausible_usage(in, 4000, 400), "");
  token_usage wrap;  // sums that overflow are rejected, not wrapped
  wrap.uncached_input = std::numeric_limits<int64_t>::max();
  wrap.cache_read = 10;
  EXPECT_NE(implausible_usage(wrap, 4000, 400), "");
}

TEST(usage_bounds, checked_price_matches_by_hand_and_refuses_overflow) {
  model_price p{150'000, 600'000, 75'000, 150'000};  // gpt-4o-mini per token, pUSD
  token_usage u;
  u.uncached_input = 800;
  u.cache_read = 200;
  u.output = 50;
  picousd cost = -1;
  ASSERT_TRUE(price_usage_checked(u, p, cost));
  EXPECT_EQ(cost, 800 * 150'000 + 200 * 75'000 + 50 * 600'000);
  EXPECT_EQ(cost, price_usage(u, p));
  u.output = 30'000'000'000'000;  // x 600,000 > INT64_MAX
  cost = 7;
  EXPECT_FALSE(price_usage_checked(u, p, cost));
  EXPECT_EQ(cost, 7);
}
