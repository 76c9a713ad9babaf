// Cost estimates: the prior by hand, calibration by hand, and against a provider whose tokenizer
// and prompt cache the estimator does not know: within 5% of the bills once it has seen a few.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>

#include "actors/llm/cost_estimate.hpp"
#include "common/stats.hpp"

using namespace tickgate;

TEST(cost_estimate, prior_then_calibrated_by_hand) {
  cost_estimator e(3.0, 8);
  auto u = e.estimate("m", "a", 300, 150);  // 300 / 3 + 8 = 108, the agent's expected output
  EXPECT_EQ(u.total_input(), 108);
  EXPECT_EQ(u.uncached_input, 108);
  EXPECT_EQ(u.output, 150);
  token_usage billed;
  billed.uncached_input = 180, billed.cache_read = 60, billed.output = 50;  // 240 tokens of 600 bytes
  for (int i = 0; i < 4; ++i) e.observe("m", "a", 600, billed);
  EXPECT_FALSE(e.calibrated("m"));  // 4 calls: still the prior
  EXPECT_EQ(e.estimate("m", "a", 300, 150).total_input(), 108);
  e.observe("m", "a", 600, billed);
  ASSERT_TRUE(e.calibrated("m"));
  EXPECT_DOUBLE_EQ(e.bytes_per_token("m"), 2.5);
  u = e.estimate("m", "a", 300, 150);
  EXPECT_EQ(u.total_input(), 120);  // 300 bytes x 0.4 tokens per byte
  EXPECT_EQ(u.cache_read, 30);      // a quarter, as billed
  EXPECT_EQ(u.output, 50);          // the agent's mean output
  EXPECT_EQ(e.estimate("other", "b", 300, 150).total_input(), 108);  // another model: the prior
}

TEST(cost_estimate, sums_round_trip_through_the_ledger_layout) {
  calibration_sums s{5, 3000, 900, 300, 0, 250};
  EXPECT_EQ(calibration_sums::unpack(s.pack()).pack(), s.pack());
  cost_estimator a, b;
  token_usage billed;
  billed.uncached_input = 180, billed.cache_read = 60, billed.output = 50;
  for (int i = 0; i < 5; ++i) a.observe("m", "x", 600, billed);
  b.load_model("m", a.models().at("m"));
  b.load_agent("x", a.agents().at("x"));
  EXPECT_EQ(b.estimate("m", "x", 1234, 1).total_input(), a.estimate("m", "x", 1234, 1).total_input());
  EXPECT_EQ(b.estimate("m", "x", 1234, 1).output, 50);
}

TEST(cost_estimate, within_five_percent_of_an_unknown_provider_after_warm_up) {
  // The provider: ~2.7 bytes per token plus a 12-token chat template, a prompt cache that serves
  // about 40% of the prompt, output per agent with noise. The estimator knows none of it.
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> bytes(350, 2400);
  std::normal_distribution<double> noise(0, 0.04);
  std::normal_distribution<double> out_a(140, 25), out_b(60, 10);
  model_price price{150'000, 600'000, 15'000, 150'000};  // pUSD per token
  shared_estimator est;
  stats_registry warm_up, stats;  // the first 30 bills teach; the error is counted after them
  for (int i = 0; i < 600; ++i) {
    const int64_t b = bytes(rng);
    const bool agent_a = i % 3 != 0;
    token_usage billed;
    const auto input = static_cast<int64_t>(std::llround(b / 2.7 * (1 + noise(rng)))) + 12;
    billed.cache_read = input * 2 / 5;
    billed.uncached_input = input - billed.cache_read;
    billed.output = std::max<int64_t>(1, std::llround(agent_a ? out_a(rng) : out_b(rng)));
    check_and_learn(est, i < 30 ? warm_up : stats, price, "m", agent_a ? "a" : "b", b, 150,
                    billed, price_usage(billed, price));
  }
  const double billed = static_cast<double>(stats.total("tickgate_estimate_billed_picousd_total"));
  const double estimated = static_cast<double>(stats.total("tickgate_estimate_estimated_picousd_total"));
  ASSERT_GT(billed, 0);
  std::printf("estimate vs bills over 570 calls after warm-up: %+.2f%% in total, mean |error| %.2f%% a call\n",
              100 * (estimated - billed) / billed,
              100 * static_cast<double>(stats.total("tickgate_estimate_abs_error_picousd_total")) / billed);
  EXPECT_LT(std::fabs(estimated - billed) / billed, 0.05);
  EXPECT_EQ(stats.total("tickgate_estimate_checked_total"), 570u);
}
