// Alerts, pure parts, by hand: deduplication per key and window, the dead-letter rate alarm,
// the budget's run-rate projection and the gateway's one projected_overrun per period, the
// alert each gateway event becomes, the JSON and log forms, and the histogram exposition.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>

#include "actors/alerts/alert_policy.hpp"
#include "actors/gateway/gateway_alerts.hpp"
#include "common/stats.hpp"

using namespace tickgate;

namespace {
constexpr int64_t k_mar1 = 1677628800000;  // 2023-03-01T00:00:00Z
constexpr int64_t k_hour = 3'600'000;

std::shared_ptr<const config> cfg_with(std::vector<std::string> sets) {
  return load_config(std::string(TICKGATE_SOURCE_DIR) + "/config/default.json", sets);
}
}  // namespace

TEST(alert_dedup, one_alert_per_key_within_a_sliding_window) {
  alert_dedup d(1000);
  EXPECT_TRUE(d.admit("breaker_open/a", 0));
  EXPECT_FALSE(d.admit("breaker_open/a", 999));
  EXPECT_TRUE(d.admit("breaker_open/b", 500));  // another key is not held back
  EXPECT_TRUE(d.admit("breaker_open/a", 1000));  // the window has passed since the last one
  EXPECT_FALSE(d.admit("breaker_open/a", 1999));
  EXPECT_EQ(d.suppressed(), 2u);
  alert_dedup none(0);  // a zero window: every alert goes out
  EXPECT_TRUE(none.admit("k", 5));
  EXPECT_TRUE(none.admit("k", 5));
}

TEST(dlq_rate_alarm, fires_once_per_block_when_the_share_is_exceeded) {
  dlq_rate_alarm a(10, 20.0);  // more than 2 of 10
  int fired = 0;
  for (int i = 0; i < 10; ++i) fired += a.observe(i == 3 || i == 6);  // 2 of 10: at the limit
  EXPECT_EQ(fired, 0);
  std::vector<int> at;
  for (int i = 0; i < 10; ++i)
    if (a.observe(i == 1 || i == 2 || i == 4 || i == 5)) at.push_back(i);
  EXPECT_EQ(at, std::vector<int>{4});  // the third dead letter of the block, once
  EXPECT_EQ(a.fired_bad(), 3);
  EXPECT_EQ(a.fired_seen(), 5);
  fired = 0;
  for (int i = 0; i < 10; ++i) fired += a.observe(i < 3);  // a new block fires again
  EXPECT_EQ(fired, 1);
}

TEST(budget_projection, linear_run_rate_to_the_end_of_the_day_and_month) {
  auto cfg = cfg_with({"budget.daily_usd=10", "budget.monthly_usd=100"});
  budget_policy b(cfg->budget, {"market_regime"});
  const int64_t six_am = k_mar1 + 6 * k_hour;  // a quarter of the day, 0.25/31 of March
  ASSERT_EQ(b.try_reserve(0, usd_to_pico(4), six_am), budget_policy::verdict::granted);
  b.settle(0, usd_to_pico(4), usd_to_pico(3), six_am);
  auto p = b.projected(six_am);
  EXPECT_EQ(p.day, usd_to_pico(12));  // $3 in 6 h -> $12 in 24 h
  EXPECT_EQ(p.month, -1);             // 0.8% of March: too early (< 4%)
  const int64_t mar2_noon = k_mar1 + 36 * k_hour;  // 1.5 of 31 days = 4.8% of March
  ASSERT_EQ(b.try_reserve(0, usd_to_pico(1), mar2_noon), budget_policy::verdict::granted);
  b.settle(0, usd_to_pico(1), usd_to_pico(1), mar2_noon);
  p = b.projected(mar2_noon);
  EXPECT_EQ(p.day, usd_to_pico(2));  // $1 in 12 h
  EXPECT_NEAR(pico_to_usd(p.month), 4.0 * 31 / 1.5, 1e-9);  // $4 in 1.5 days of 31
  EXPECT_EQ(b.projected(k_mar1 + 30 * 60'000).day, -1);  // 00:30 is 2.1% of the day: too early
}

TEST(gateway_alerts, projected_overrun_once_per_period_then_the_alert_it_becomes) {
  // Velocity stop out of the way: these dollar-sized calls would trip it.
  auto cfg = cfg_with({"budget.daily_usd=10", "budget.velocity.min_usd=1000"});
  gateway_policy gw(*cfg, make_routes(*cfg, {"deepseek"}));
  std::vector<gateway_step> steps;
  auto call = [&](uint64_t id, int64_t now, picousd actual) {
    gateway_request r;
    r.id = id;
    r.prio = static_cast<uint8_t>(priority::high);
    r.significance = 100;
    r.prompt_bytes = 1000;
    r.max_tokens = 400;
    r.budget_now = now;
    r.routes = {0};
    gw.submit(r, now, steps);
    gw.pump(now, 1, steps);
    ASSERT_EQ(steps.size(), 1u);
    ASSERT_EQ(steps[0].kind, gateway_step::dispatch);
    steps.clear();
    gw.on_result(id, {attempt_end::answered, actual, -1, 10}, now, steps);
    steps.clear();
  };
  auto overruns = [&] {
    std::vector<gateway_event> out;
    for (auto& e : gw.take_events())
      if (e.kind == gateway_event::projected_overrun) out.push_back(e);
    return out;
  };
  const int64_t noon = k_mar1 + 12 * k_hour;
  call(1, noon, usd_to_pico(4));  // $4 by noon: $8 projected, under $10
  EXPECT_TRUE(overruns().empty());
  call(2, noon + 1, usd_to_pico(2));  // $6 by noon: $12 projected
  auto e = overruns();
  ASSERT_EQ(e.size(), 1u);
  EXPECT_FALSE(e[0].monthly);
  EXPECT_NEAR(pico_to_usd(e[0].projected), 12.0, 1e-6);
  call(3, noon + 2, usd_to_pico(1));  // still over: not reported twice in one day
  EXPECT_TRUE(overruns().empty());

  auto a = alert_for(e[0], gw, *cfg);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->key, "projected_overrun/daily");
  EXPECT_EQ(a->severity, "warning");
  EXPECT_EQ(a->ts, noon + 1);
  auto f = nlohmann::json::parse(a->fields_json);
  EXPECT_NEAR(f["projected_usd"].get<double>(), 12.0, 1e-6);
  EXPECT_DOUBLE_EQ(f["limit_usd"].get<double>(), 10.0);
  EXPECT_TRUE(f["method"].is_string());
  // For the cluster it is claimed once per day; the 2023-03-01 UTC is day 19417 since the epoch.
  EXPECT_EQ(cluster_claim_key(*a), "projected_overrun/daily/day/19417");
}

TEST(gateway_alerts, levels_and_breakers_map_to_keys_and_severities) {
  auto cfg = cfg_with({});
  gateway_policy gw(*cfg, make_routes(*cfg, {"deepseek", "openai"}));
  gateway_event soft{gateway_event::level_changed, 0, budget_level::soft, 5};
  auto a = alert_for(soft, gw, *cfg);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->key, "budget_level/soft");
  EXPECT_EQ(a->severity, "warning");
  EXPECT_EQ(nlohmann::json::parse(a->fields_json)["threshold_pct"], 80.0);
  EXPECT_EQ(alert_for({gateway_event::level_changed, 0, budget_level::hard, 5}, gw, *cfg)->severity,
            "critical");
  EXPECT_FALSE(alert_for({gateway_event::level_changed, 0, budget_level::normal, 5}, gw, *cfg));
  auto b = alert_for({gateway_event::breaker_opened, 1, budget_level::normal, 7}, gw, *cfg);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->key, "breaker_open/openai/" + gw.routes()[1].model);
  // Levels are the cluster's (claimed once per level and day); a breaker is this instance's.
  EXPECT_EQ(cluster_claim_key(*a), "budget_level/soft/day/0");
  EXPECT_EQ(cluster_claim_key(*b), "");
  alert monthly{"projected_overrun", "projected_overrun/monthly", "warning", 31LL * 86'400'000, "", "{}"};
  EXPECT_EQ(cluster_claim_key(monthly), "projected_overrun/monthly/month/23641");  // February 1970: 1970 * 12 + 1
  EXPECT_FALSE(alert_for({gateway_event::breaker_closed, 1, budget_level::normal, 7}, gw, *cfg));
  EXPECT_EQ(alert_for({gateway_event::velocity_stop, 0, budget_level::normal, 7}, gw, *cfg)->severity,
            "critical");
}

TEST(alert_forms, json_round_trips_and_the_log_line_is_one_key_value_line) {
  alert a{"dlq_rate", "dlq_rate/market.ticks", "warning", 1234,
          "3 of 10 records \"bad\"\nsecond line", R"({"dead_lettered":3,"topic":"tickgate.dlq","method":"run rate"})"};
  auto j = nlohmann::json::parse(alert_json(a, "tickgate@host/1"));
  EXPECT_EQ(j["kind"], "dlq_rate");
  EXPECT_EQ(j["key"], "dlq_rate/market.ticks");
  EXPECT_EQ(j["ts"], 1234);
  EXPECT_EQ(j["message"], a.message);
  EXPECT_EQ(j["fields"]["dead_lettered"], 3);
  EXPECT_EQ(j["instance"], "tickgate@host/1");
  auto line = alert_log_line(a);
  EXPECT_EQ(line.find('\n'), std::string::npos);  // the message is quoted and escaped
  EXPECT_NE(line.find("kind=dlq_rate key=dlq_rate/market.ticks severity=warning ts=1234"), std::string::npos);
  EXPECT_NE(line.find("dead_lettered=3"), std::string::npos);
  EXPECT_NE(line.find("topic=tickgate.dlq"), std::string::npos);
  EXPECT_NE(line.find("method=\"run rate\""), std::string::npos);  // quoted: it has a space
}

TEST(histogram, prometheus_exposition_is_cumulative_with_sum_and_count) {
  stats_registry r;
  auto& h = r.add_histogram("tickgate_stage_seconds", "stage=\"change\"", "help");
  h.observe(3e-6);  // le 5e-06
  h.observe(0.2);   // le 0.25
  h.observe(100);   // above every bound
  h.observe(1e-6);  // exactly on a bound: le 1e-06
  auto text = r.prometheus_text();
  EXPECT_NE(text.find("# TYPE tickgate_stage_seconds histogram"), std::string::npos);
  EXPECT_NE(text.find("tickgate_stage_seconds_bucket{stage=\"change\",le=\"1e-06\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("tickgate_stage_seconds_bucket{stage=\"change\",le=\"2.5e-06\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("tickgate_stage_seconds_bucket{stage=\"change\",le=\"5e-06\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("tickgate_stage_seconds_bucket{stage=\"change\",le=\"0.25\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("tickgate_stage_seconds_bucket{stage=\"change\",le=\"60\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("tickgate_stage_seconds_bucket{stage=\"change\",le=\"+Inf\"} 4\n"), std::string::npos);
  EXPECT_NE(text.find("tickgate_stage_seconds_count{stage=\"change\"} 4\n"), std::string::npos);
  EXPECT_NE(text.find("tickgate_stage_seconds_sum{stage=\"change\"} 100.200004\n"), std::string::npos);
  // Quantile bounds: sorted 1e-6, 3e-6, 0.2, 100: the median (rank 2) is in the 5e-06 bucket,
  // the 75th (rank 3) in 0.25, the 99th above every bound.
  EXPECT_EQ(h.quantile_bound(0.5), 5e-6);
  EXPECT_EQ(h.quantile_bound(0.75), 0.25);
  EXPECT_TRUE(std::isinf(h.quantile_bound(0.99)));
  EXPECT_EQ(r.find_histogram("tickgate_stage_seconds", "stage=\"change\""), &h);
  EXPECT_EQ(stats_registry().find_histogram("x", ""), nullptr);
}

TEST(histogram, a_round_is_n_observations_of_its_average) {
  stats_registry r;
  auto& h = r.add_histogram("tickgate_stage_seconds", "stage=\"batching\"", "help");
  h.observe_n(3e-6, 4);  // a round of 4 ticks in 12 us: four in the 5e-06 bucket
  h.observe_n(0.5, 0);   // an empty round: nothing
  EXPECT_EQ(h.count(), 4u);
  EXPECT_EQ(h.cumulative(1), 0u);  // le 2.5e-06
  EXPECT_EQ(h.cumulative(2), 4u);  // le 5e-06
  EXPECT_NEAR(h.sum(), 12e-6, 1e-12);
  {
    round_timer t{h, 3};  // three more, however long the round took
  }
  EXPECT_EQ(h.count(), 7u);
  {
    round_timer t{h, 0};
  }
  EXPECT_EQ(h.count(), 7u);
}
