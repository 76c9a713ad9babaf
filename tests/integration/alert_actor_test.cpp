// The alert actor with real edges: alerts deduplicated per key and window, published to the
// alerts topic on the embedded broker, and POSTed to two webhook receivers on loopback, one that
// fails first (retried, delivered once) and one rate-limited to two a minute.
#include <gtest/gtest.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include <nlohmann/json.hpp>

#include <map>

#include "actors/alerts/alert_actor.hpp"
#include "integration/test_support.hpp"
#include "kafka/embedded_broker.hpp"

using namespace tickgate;
using namespace tickgate::testing;
using json = nlohmann::json;

namespace {
alert make(const std::string& key, int64_t ts) {
  return {"breaker_open", key, "warning", ts, "breaker open for " + key, R"({"route":"x"})"};
}
std::map<std::string, int> keys_of(const std::vector<std::string>& bodies) {
  std::map<std::string, int> n;
  for (auto& b : bodies) ++n[json::parse(b)["key"].get<std::string>()];
  return n;
}
}  // namespace

TEST(alert_actor, dedups_publishes_and_posts_each_alert_once_per_window) {
  embedded_broker broker(1);
  broker.create_topic("ai.alerts", 1);
  webhook_receiver flaky(1, 503);  // first POST fails: retried
  webhook_receiver limited;
  auto cfg = load_config(std::string(TICKGATE_SOURCE_DIR) + "/config/default.json",
                         {"alerts.dedup_window_s=3600",
                          "alerts.webhooks=[{\"url\":\"" + flaky.url() + "\",\"retries\":3,\"backoff_s\":0.001},"
                          "{\"url\":\"" + limited.url() + "\",\"max_per_minute\":2}]"});
  stats_registry stats;
  pipeline_env env;
  env.cfg = cfg;
  env.stats = &stats;
  env.bootstrap = broker.bootstrap();
  env.wall_clock = [] { return int64_t{1'000'000}; };  // the rate limit's clock stands still
  caf::actor_system_config sys_cfg;
  sys_cfg.set("scheduler.max-threads", 2);
  sys_cfg.set("logger.console", caf::atom("none"));
  caf::actor_system sys{sys_cfg};
  {
    caf::scoped_actor self{sys};
    auto alerts = spawn_alerts(sys, env);
    const int64_t hour = 3'600'000;
    for (auto& a : {make("k1", 0), make("k1", 10), make("k2", 20), make("k3", 30),
                    make("k1", hour), make("k1", hour + 5)})
      self->send(alerts, a);
    self->send(alerts, drain_atom::value, caf::actor_cast<caf::actor>(self));
    int done = 0;
    bool timed_out = false;
    while (done < 2 && !timed_out)
      self->receive([&](done_atom) { ++done; },
                    caf::after(std::chrono::seconds(30)) >> [&] { timed_out = true; });
    ASSERT_FALSE(timed_out);
    caf::anon_send_exit(alerts, caf::exit_reason::user_shutdown);
  }
  sys.await_all_actors_done();

  // k1 twice (an hour apart), k2 and k3 once; the repeats within the window are suppressed.
  const std::map<std::string, int> expected{{"k1", 2}, {"k2", 1}, {"k3", 1}};
  EXPECT_EQ(stats.value("tickgate_alerts_suppressed_total", ""), 2u);
  EXPECT_EQ(stats.value("tickgate_alerts_total", "kind=\"breaker_open\""), 4u);
  std::vector<std::string> on_topic;
  for (auto& r : read_topic(broker.bootstrap(), "ai.alerts")) on_topic.push_back(r.value);
  EXPECT_EQ(keys_of(on_topic), expected);
  auto first = json::parse(on_topic.at(0));
  EXPECT_EQ(first["fields"]["route"], "x");
  EXPECT_TRUE(first["instance"].is_string());

  EXPECT_EQ(keys_of(flaky.accepted()), expected);  // each once, the failed POST retried
  EXPECT_EQ(flaky.requests(), 5);
  EXPECT_EQ(stats.value("tickgate_webhook_posts_total", "hook=\"0\",outcome=\"retried\""), 1u);
  EXPECT_EQ(stats.value("tickgate_webhook_posts_total", "hook=\"0\",outcome=\"delivered\""), 4u);

  EXPECT_EQ(limited.accepted().size(), 2u);  // two a minute, and the clock stood still
  EXPECT_EQ(stats.value("tickgate_webhook_posts_total", "hook=\"1\",outcome=\"rate_limited\""), 2u);
  // The hook's token (in its URL) is nowhere in what was published or counted.
  for (auto& v : on_topic) EXPECT_EQ(v.find("hook-secret-123"), std::string::npos);
  EXPECT_EQ(stats.prometheus_text().find("hook-secret-123"), std::string::npos);
}
