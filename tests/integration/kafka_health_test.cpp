// librdkafka's log in the project's voice: one line per broker and state, not per retry.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "kafka/embedded_broker.hpp"
#include "kafka/kafka_health.hpp"
#include "kafka/kafka_producer.hpp"

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

namespace {

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

template <class Cond>
bool eventually(Cond&& cond, std::chrono::seconds limit) {
  for (auto end = std::chrono::steady_clock::now() + limit; std::chrono::steady_clock::now() < end;) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

}  // namespace

// librdkafka says when every broker is lost but not when one is back: only a round trip begun
// after the outage began (the probe's) ends it; anything older (a prefetched record, a late
// delivery report) is no sign of the brokers.
TEST(kafka_recovery_probe, ends_an_outage_only_with_a_round_trip_begun_after_it) {
  embedded_broker broker{1};
  broker.create_topic("t", 1);
  kafka_producer producer{broker.bootstrap(), {}};
  std::string err;
  const int64_t asked = wall_ms();
  ASSERT_TRUE(producer.produce("t", "k", "v", {}, nullptr, err)) << err;
  ASSERT_TRUE(producer.flush(10'000));  // connected and acknowledged
  kafka_mark_up(asked);  // (an earlier test in this process may have left an outage behind)
  ASSERT_EQ(kafka_down_since_ms(), 0);

  broker.set_broker_up(1, false);
  ASSERT_TRUE(eventually([&] { producer.poll(10); return kafka_down_since_ms() != 0; },
                         std::chrono::seconds(30)));
  const int64_t down = kafka_down_since_ms();
  kafka_mark_up(down - 1);  // an answer to a request sent before the outage
  EXPECT_EQ(kafka_down_since_ms(), down);

  kafka_recovery_probe probe{broker.bootstrap(), {}, std::chrono::milliseconds(50)};
  ASSERT_TRUE(eventually([&] { return probe.attempts() >= 2; }, std::chrono::seconds(30)));
  EXPECT_EQ(kafka_down_since_ms(), down);  // probes failed while the broker was down

  broker.set_broker_up(1, true);
  EXPECT_TRUE(eventually([] { return kafka_down_since_ms() == 0; }, std::chrono::seconds(30)));
}

TEST(kafka_outage_alarm, one_alert_per_outage_even_when_a_late_report_follows_the_recovery) {
  kafka_outage_alarm alarm{10'000};
  EXPECT_FALSE(alarm.observe(0, 1'000).raise);  // reachable: nothing
  auto s = alarm.observe(1'500, 2'000);         // down since 1.5 s
  EXPECT_TRUE(s.raise);
  EXPECT_FALSE(alarm.observe(1'500, 3'000).raise);  // the same outage: once
  s = alarm.observe(0, 4'000);
  EXPECT_TRUE(s.recovered);
  EXPECT_FALSE(s.raise);
  EXPECT_FALSE(alarm.observe(0, 5'000).recovered);  // said once
  s = alarm.observe(5'100, 5'200);  // a client's late report 1.2 s after the recovery
  EXPECT_FALSE(s.raise);
  EXPECT_TRUE(alarm.observe(0, 6'000).recovered);
  EXPECT_FALSE(alarm.observe(0, 15'999).raise);
  alarm.observe(0, 16'000);  // reachable for the 10 s it takes: the outage is over
  EXPECT_TRUE(alarm.observe(20'000, 20'000).raise);  // a new one is a new alert
}
