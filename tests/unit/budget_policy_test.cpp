#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "actors/budget/budget_policy.hpp"

using namespace tickgate;

TEST(budget_policy, reserve_then_settle_to_actual) {
  budget_policy b(1000, 10'000);
  EXPECT_TRUE(b.try_reserve(600, 0));
  EXPECT_FALSE(b.try_reserve(401, 0));  // 600 in flight + 401 > 1000
  EXPECT_TRUE(b.try_reserve(400, 0));   // exactly at the limit
  b.settle(600, 100);
  EXPECT_EQ(b.spent_today(), 100);
  EXPECT_EQ(b.in_flight(), 400);
  EXPECT_TRUE(b.try_reserve(500, 0));  // 100 + 400 + 500 = 1000
}

TEST(budget_policy, property_hard_limit_holds_with_many_in_flight) {
  std::mt19937_64 rng(11);
  budget_policy b(1'000'000, 100'000'000);
  std::vector<std::pair<picousd, picousd>> in_flight;  // reserved, actual <= reserved
  for (int i = 0; i < 100'000; ++i) {
    if (rng() % 2 == 0) {
      picousd worst = 1 + static_cast<picousd>(rng() % 50'000);
      if (b.try_reserve(worst, 0))
        in_flight.emplace_back(worst, static_cast<picousd>(rng() % (worst + 1)));
    } else if (!in_flight.empty()) {
      auto idx = rng() % in_flight.size();
      b.settle(in_flight[idx].first, in_flight[idx].second);
      in_flight.erase(in_flight.begin() + static_cast<long>(idx));
    }
    ASSERT_LE(b.spent_today() + b.in_flight(), 1'000'000);
  }
}

TEST(budget_policy, day_and_month_roll) {
  budget_policy b(1000, 1500);
  const int64_t day = 86'400'000;
  const int64_t mar1 = 1677628800000;  // 2023-03-01T00:00:00Z
  EXPECT_TRUE(b.try_reserve(1000, mar1));
  b.settle(1000, 1000);
  EXPECT_FALSE(b.try_reserve(1, mar1 + day - 1));  // same day: exhausted
  EXPECT_TRUE(b.try_reserve(500, mar1 + day));     // next day, month has 500 left
  b.settle(500, 500);
  EXPECT_FALSE(b.try_reserve(1, mar1 + 2 * day));  // month exhausted
  EXPECT_TRUE(b.try_reserve(1000, 1680307200000));  // 2023-04-01T00:00:00Z
}

TEST(budget_policy, month_of_is_civil) {
  EXPECT_EQ(budget_policy::month_of(1677628800000), 2023 * 12 + 2);      // 2023-03-01
  EXPECT_EQ(budget_policy::month_of(1677628800000 - 1), 2023 * 12 + 1);  // 2023-02-28 23:59:59.999
  EXPECT_EQ(budget_policy::month_of(0), 1970 * 12);
  EXPECT_EQ(budget_policy::day_of(-1), -1);
}

TEST(budget_policy, worst_case_bounds_prompt_by_bytes) {
  // 1000 prompt bytes, 2 messages, 300 max tokens, input 150000 pUSD, output 600000 pUSD.
  EXPECT_EQ(worst_case_cost(1000, 2, 300, 150'000, 0, 600'000),
            (1000 + 16 + 8) * 150'000 + 300 * 600'000);
  // A dearer cache write price is the bound for prompt tokens.
  EXPECT_EQ(worst_case_cost(100, 1, 0, 10, 20, 0), (100 + 8 + 8) * 20);
}
