#include <gtest/gtest.h>

#include <map>
#include <random>
#include <vector>

#include "actors/budget/budget_policy.hpp"

using namespace tickgate;

namespace {

using verdict = budget_policy::verdict;
const int64_t mar1 = 1677628800000;  // 2023-03-01T00:00:00Z
const int64_t minute = 60'000;
const int64_t day = 86'400'000;

budget_config limits(picousd daily, picousd monthly) {
  budget_config c;
  c.global = {daily, monthly};
  c.velocity_min = INT64_MAX / 4;  // velocity off unless a test sets it
  return c;
}

}  // namespace

TEST(budget_policy, reserve_then_settle_to_actual) {
  budget_policy b(limits(1000, 10'000), {"a"});
  EXPECT_EQ(b.try_reserve(0, 600, mar1), verdict::granted);
  EXPECT_EQ(b.try_reserve(0, 401, mar1), verdict::must_wait);  // 600 in flight + 401 > 1000
  EXPECT_EQ(b.try_reserve(0, 400, mar1), verdict::granted);    // exactly at the limit
  b.settle(0, 600, 100, mar1);
  EXPECT_EQ(b.spent_today(), 100);
  EXPECT_EQ(b.in_flight(), 400);
  EXPECT_EQ(b.remaining(), 500);
  EXPECT_EQ(b.try_reserve(0, 500, mar1), verdict::granted);  // 100 + 400 + 500 = 1000
  EXPECT_EQ(b.try_reserve(0, 901, mar1), verdict::over_budget);  // 100 settled + 901 > 1000
}

TEST(budget_policy, property_hard_limit_holds_with_many_in_flight) {
  std::mt19937_64 rng(11);
  budget_policy b(limits(1'000'000, 100'000'000), {"a"});
  std::vector<std::pair<picousd, picousd>> in_flight;  // reserved, actual <= reserved
  for (int i = 0; i < 100'000; ++i) {
    if (rng() % 2 == 0) {
      picousd worst = 1 + static_cast<picousd>(rng() % 50'000);
      if (b.try_reserve(0, worst, mar1) == verdict::granted)
        in_flight.emplace_back(worst, static_cast<picousd>(rng() % (worst + 1)));
    } else if (!in_flight.empty()) {
      auto idx = rng() % in_flight.size();
      b.settle(0, in_flight[idx].first, in_flight[idx].second, mar1);
      in_flight.erase(in_flight.begin() + static_cast<long>(idx));
    }
    ASSERT_LE(b.spent_today() + b.in_flight(), 1'000'000);
  }
}

TEST(budget_policy, day_and_month_roll) {
  budget_policy b(limits(1000, 1500), {"a"});
  EXPECT_EQ(b.try_reserve(0, 1000, mar1), verdict::granted);
  b.settle(0, 1000, 1000, mar1);
  EXPECT_EQ(b.try_reserve(0, 1, mar1 + day - 1), verdict::over_budget);  // same day: exhausted
  EXPECT_EQ(b.try_reserve(0, 500, mar1 + day), verdict::granted);  // next day, month has 500 left
  b.settle(0, 500, 500, mar1 + day);
  EXPECT_EQ(b.try_reserve(0, 1, mar1 + 2 * day), verdict::over_budget);  // month exhausted
  EXPECT_EQ(b.try_reserve(0, 1000, 1680307200000), verdict::granted);   // 2023-04-01T00:00:00Z
}

TEST(budget_policy, month_of_is_civil) {
  EXPECT_EQ(budget_policy::month_of(1677628800000), 2023 * 12 + 2);      // 2023-03-01
  EXPECT_EQ(budget_policy::month_of(1677628800000 - 1), 2023 * 12 + 1);  // 2023-02-28 23:59:59.999
  EXPECT_EQ(budget_policy::month_of(0), 1970 * 12);
  EXPECT_EQ(budget_policy::day_of(-1), -1);
}

TEST(budget_policy, levels_soft_degrade_hard_by_settled_spend) {
  budget_policy b(limits(1000, 100'000), {"a"});
  auto spend = [&](picousd x) {
    ASSERT_EQ(b.try_reserve(0, x, mar1), verdict::granted);
    b.settle(0, x, x, mar1);
  };
  EXPECT_EQ(b.level(0, mar1), budget_level::normal);
  spend(799);
  EXPECT_EQ(b.level(0, mar1), budget_level::normal);
  spend(1);  // 80%
  EXPECT_EQ(b.level(0, mar1), budget_level::soft);
  spend(100);  // 90%
  EXPECT_EQ(b.level(0, mar1), budget_level::degrade);
  spend(100);  // 100%
  EXPECT_EQ(b.level(0, mar1), budget_level::hard);
  EXPECT_EQ(b.level(0, mar1 + day), budget_level::normal);  // a new day
}

TEST(budget_policy, agent_scope_limits_only_that_agent) {
  auto cfg = limits(10'000, 100'000);
  cfg.agents["b"] = {100, -1};  // b: 100 a day, no monthly limit of its own
  budget_policy p(cfg, {"a", "b"});
  EXPECT_EQ(p.try_reserve(1, 100, mar1), verdict::granted);
  p.settle(1, 100, 90, mar1);
  EXPECT_EQ(p.try_reserve(1, 11, mar1), verdict::over_budget);  // b: 90 + 11 > 100
  EXPECT_EQ(p.try_reserve(1, 10, mar1), verdict::granted);
  EXPECT_EQ(p.try_reserve(0, 5000, mar1), verdict::granted);  // a only has the global limit
  EXPECT_EQ(p.level(1, mar1), budget_level::degrade);         // b at 90% of its own
  EXPECT_EQ(p.level(0, mar1), budget_level::normal);
  EXPECT_EQ(p.spent_today(), 90);
  EXPECT_EQ(p.in_flight(), 5010);
}

TEST(budget_policy, spend_before_a_restart_comes_from_the_loader) {
  std::map<std::string, picousd> ledger{{"day/2023-03-01/", 900}, {"month/2023-03/", 1200},
                                        {"day/2023-03-01/b", 60}};
  std::vector<std::string> asked;
  auto cfg = limits(1000, 1500);
  cfg.agents["b"] = {100, -1};
  budget_policy p(cfg, {"a", "b"}, [&](const std::string& period, const std::string& agent) {
    asked.push_back(period + "/" + agent);
    auto it = ledger.find(period + "/" + agent);
    return it == ledger.end() ? picousd{0} : it->second;
  });
  EXPECT_EQ(p.try_reserve(1, 41, mar1 + 5), verdict::over_budget);  // b: 60 + 41 > 100
  EXPECT_EQ(p.try_reserve(0, 101, mar1 + 5), verdict::over_budget);  // global: 900 + 101 > 1000
  EXPECT_EQ(p.try_reserve(0, 100, mar1 + 5), verdict::granted);
  EXPECT_EQ(p.spent_month(), 1200);
  // Next day: the day reloads (nothing booked), the month does not (same month).
  EXPECT_EQ(p.try_reserve(0, 300, mar1 + day), verdict::must_wait);  // 1200 + 100 + 300 > 1500
  EXPECT_EQ(asked, (std::vector<std::string>{"day/2023-03-01/", "month/2023-03/",
                                             "day/2023-03-01/b", "month/2023-03/b",
                                             "day/2023-03-02/"}));
}

TEST(budget_policy, velocity_stop_when_a_window_spends_far_above_its_average) {
  auto cfg = limits(1'000'000'000, 1'000'000'000);
  cfg.velocity_window_ms = minute;
  cfg.velocity_baseline_windows = 10;
  cfg.velocity_factor = 5;
  cfg.velocity_min = 1000;
  cfg.velocity_pause_ms = 5 * minute;
  budget_policy b(cfg, {"a"});
  auto spend = [&](picousd x, int64_t t) {
    ASSERT_EQ(b.try_reserve(0, x, t), verdict::granted);
    b.settle(0, x, x, t);
  };
  // Ten minutes at 500 a minute: the average is 500, the limit max(1000, 5 x 500) = 2500.
  for (int m = 0; m < 10; ++m) spend(500, mar1 + m * minute);
  spend(2500, mar1 + 10 * minute);  // exactly at the limit: allowed
  EXPECT_FALSE(b.velocity_stopped(mar1 + 10 * minute));
  spend(1, mar1 + 10 * minute + 1);  // 2501 in this minute
  EXPECT_TRUE(b.velocity_stopped(mar1 + 10 * minute + 1));
  EXPECT_EQ(b.try_reserve(0, 1, mar1 + 11 * minute), verdict::velocity_stop);
  EXPECT_EQ(b.try_reserve(0, 1, mar1 + 10 * minute + 1 + 5 * minute), verdict::granted);
  EXPECT_EQ(b.velocity_stops(), 1u);
}

TEST(budget_policy, worst_case_bounds_prompt_by_bytes) {
  // 1000 prompt bytes, 2 messages, 300 max tokens, input 150000 pUSD, output 600000 pUSD.
  EXPECT_EQ(worst_case_cost(1000, 2, 300, 150'000, 0, 600'000),
            (1000 + 16 + 8) * 150'000 + 300 * 600'000);
  // A dearer cache write price is the bound for prompt tokens.
  EXPECT_EQ(worst_case_cost(100, 1, 0, 10, 20, 0), (100 + 8 + 8) * 20);
}
