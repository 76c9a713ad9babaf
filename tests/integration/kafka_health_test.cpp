// librdkafka's log in the project's voice: one line per broker and state, not per retry.
#include <gtest/gtest.h>

#include "kafka/kafka_health.hpp"

using namespace tickgate;

TEST(kafka_log_dedup, one_line_per_broker_state_then_one_a_minute_with_the_count) {
  kafka_log_dedup d;
  EXPECT_TRUE(d.observe("b1", "FAIL", 0).log);
  for (int i = 1; i <= 50; ++i) EXPECT_FALSE(d.observe("b1", "FAIL", i * 1000).log);  // retries
  EXPECT_TRUE(d.observe("b2", "FAIL", 1000).log);  // another broker is its own story
  auto again = d.observe("b1", "FAIL", 60'000);     // a minute on: once more, with the count
  EXPECT_TRUE(again.log);
  EXPECT_EQ(again.suppressed, 50u);
  auto change = d.observe("b1", "STATE", 61'000);   // a new state is always logged
  EXPECT_TRUE(change.log);
  EXPECT_EQ(change.suppressed, 0u);
  EXPECT_TRUE(d.observe("b1", "FAIL", 62'000).log);  // and so is the failure after it
}

TEST(kafka_reachable, an_unreachable_broker_is_an_error_within_the_timeout) {
  std::string err;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(kafka_reachable("127.0.0.1:1", 2000, {}, err));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, std::chrono::seconds(10));
  EXPECT_NE(err.find("no broker reachable at 127.0.0.1:1 within 2 s"), std::string::npos) << err;
}
