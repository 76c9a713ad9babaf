#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "config/config.hpp"

using namespace tickgate;

namespace {
std::string default_path() { return std::string(TICKGATE_SOURCE_DIR) + "/config/default.json"; }

std::string error_of(const std::vector<std::string>& sets) {
  try {
    load_config(default_path(), sets);
  } catch (const config_error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(config, default_loads_with_documented_defaults) {
  auto c = load_config(default_path(), {});
  EXPECT_EQ(c->kafka.ticks_topic, "market.ticks");
  EXPECT_DOUBLE_EQ(c->events.price_change_pct, 0.5);
  EXPECT_DOUBLE_EQ(c->events.volume_spike_multiplier, 2.0);
  EXPECT_DOUBLE_EQ(c->events.volatility_threshold_pct, 2.0);
  EXPECT_EQ(c->min_ai_interval_ms, 60'000);
  EXPECT_EQ(c->batch_size, 5);
  EXPECT_EQ(c->batch_timeout_ms, 10'000);
  ASSERT_EQ(c->agents.size(), 4u);
  int mr = c->agent_index("market_regime");
  ASSERT_GE(mr, 0);
  EXPECT_EQ(c->agents[mr].strategy.kind, sampling_kind::periodic);
  EXPECT_EQ(c->agents[mr].strategy.interval_ms, 3'600'000);
  EXPECT_EQ(c->agents[c->agent_index("signal_validator")].strategy.kind, sampling_kind::always);
  EXPECT_EQ(c->agents[c->agent_index("portfolio_optimizer")].strategy.interval_ms, 7'200'000);
  // Which agent answers which kind of event (README: "Who answers what").
  EXPECT_TRUE(c->agents[mr].subscribes[static_cast<size_t>(event_type::volume_surge)]);
  EXPECT_TRUE(c->agents[mr].subscribes[static_cast<size_t>(event_type::sharp_move)]);
  EXPECT_FALSE(c->agents[mr].subscribes[static_cast<size_t>(event_type::anomaly)]);
  EXPECT_TRUE(c->agents[c->agent_index("anomaly_detector")].subscribes[static_cast<size_t>(event_type::spread_blowout)]);
  EXPECT_EQ(c->events.watch.volume_windows_min, (std::vector<int32_t>{30, 45, 60, 90, 120}));
  EXPECT_EQ(c->significance.grid.volume_cooldown_ms, (std::vector<int64_t>{60'000, 900'000}));
  EXPECT_EQ(c->cache_ttl_ms.at("market_analysis"), 5'400'000);
  EXPECT_EQ(c->agents[mr].cache_features, cf_price | cf_volatility | cf_trend | cf_rsi);
  EXPECT_EQ(c->cache_quantise.volume_edges, (std::vector<double>{0.5, 1.5, 3, 6, 12}));
  EXPECT_GT(c->prices.at("deepseek-chat").input, 0);
}

TEST(config, set_overrides_any_key) {
  auto c = load_config(default_path(), {"events.price_change_pct=0.8",
                                        "providers.deepseek.base_url=\"http://127.0.0.1:9000/v1\""});
  EXPECT_DOUBLE_EQ(c->events.price_change_pct, 0.8);
  EXPECT_EQ(c->providers.at("deepseek").base_url, "http://127.0.0.1:9000/v1");
}

TEST(config, errors_name_the_key_and_the_problem) {
  EXPECT_EQ(error_of({"events.price_change_pct=-1"}),
            "config: events.price_change_pct: must be between 0.001 and 100, got -1");
  EXPECT_EQ(error_of({"events.price_chnage_pct=1"}), "config: events.price_chnage_pct: unknown key");
  EXPECT_EQ(error_of({"batching.batch_size=\"five\""}),
            "config: batching.batch_size: must be an integer");
  EXPECT_EQ(error_of({"agents.market_regime.strategy.kind=\"sometimes\""}).rfind(
                "config: agents.market_regime.strategy.kind: unknown strategy 'sometimes'", 0),
            0u);
  EXPECT_EQ(error_of({"agents.market_regime.events=[\"earthquake\"]"}),
            "config: agents.market_regime.events: unknown event type 'earthquake'");
  EXPECT_EQ(error_of({"agents.market_regime.cache_features=[\"mood\"]"}),
            "config: agents.market_regime.cache_features: unknown feature \"mood\" (price, volatility, rsi, "
            "trend, levels, volume, spread, bollinger, options, trigger)");
  EXPECT_EQ(error_of({"cache.quantise.volume_edges=[3, 1]"}),
            "config: cache.quantise.volume_edges: must be ascending without repeats");
  EXPECT_EQ(error_of({"cache.quantise.price_step_max_pct=0.01"}),
            "config: cache.quantise.price_step_max_pct: must not be below price_step_min_pct");
  EXPECT_EQ(error_of({"routing.provider=\"nobody\""}),
            "config: routing.provider: names an unknown provider 'nobody'");
  EXPECT_NE(error_of({"providers.openai.model=\"no-such-model-7b\""})
                .find("model 'no-such-model-7b' is not in the pricing file"),
            std::string::npos);
  EXPECT_EQ(error_of({"kafka.compression=\"zip\""}),
            "config: kafka.compression: must be one of none, gzip, snappy, lz4, zstd");
  EXPECT_EQ(error_of({"events.price_change_pct"}).rfind("--set events.price_change_pct", 0), 0u);
}

TEST(config, market_watch_and_judge_grid_lists_are_checked) {
  EXPECT_EQ(error_of({"events.watch.volume_windows_min=[60,30]"}),
            "config: events.watch.volume_windows_min: must be ascending without repeats");
  EXPECT_EQ(error_of({"events.watch.volume_windows_min=[30.5]"}),
            "config: events.watch.volume_windows_min: must hold whole minutes");
  EXPECT_EQ(error_of({"events.watch.move_windows_s=[]"}),
            "config: events.watch.move_windows_s: must be an array of 1 to 16 numbers");
  EXPECT_EQ(error_of({"events.watch.volume_ratio=1"}),
            "config: events.watch.volume_ratio: must be between 1.01 and 1000000, got 1");
  EXPECT_EQ(error_of({"backtest.significance.grid.move_pct=[0,1]"}),
            "config: backtest.significance.grid.move_pct: values must be between 0.001 and 100");
  EXPECT_EQ(error_of({"events.watch.speed=1"}), "config: events.watch.speed: unknown key");
  auto c = load_config(default_path(), {"events.watch.move_windows_s=[30,120]"});
  EXPECT_EQ(c->events.watch.move_windows_ms, (std::vector<int64_t>{30'000, 120'000}));
}

TEST(config, unreadable_file_is_one_line) {
  try {
    load_config("/nonexistent/tickgate.json", {});
    FAIL();
  } catch (const config_error& e) {
    EXPECT_EQ(std::string(e.what()), "config: cannot open /nonexistent/tickgate.json");
  }
}

TEST(config, per_agent_budget_period_left_out_is_no_limit_of_its_own) {
  auto c = load_config(std::string(TICKGATE_SOURCE_DIR) + "/config/default.json",
                       {"budget.agents={\"market_regime\":{\"daily_usd\":2}}"});
  EXPECT_EQ(c->budget.agents.at("market_regime").daily, usd_to_pico(2));
  EXPECT_EQ(c->budget.agents.at("market_regime").monthly, -1);
  EXPECT_EQ(c->budget.global.daily, usd_to_pico(10));  // global defaults untouched
  EXPECT_EQ(c->budget.global.monthly, usd_to_pico(200));
}

// Found by fuzz_config: a config without a cache section crashed on a JSON type error instead
// of naming what is missing.
TEST(config, shapes_the_reader_did_not_foresee_are_one_line_config_errors) {
  const auto dir = std::filesystem::temp_directory_path() / "tickgate_config_shapes";
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(std::string(TICKGATE_SOURCE_DIR) + "/config/pricing.json",
                             dir / "pricing.json", std::filesystem::copy_options::overwrite_existing);
  auto write = [&](const std::string& text) {
    std::ofstream(dir / "c.json") << text;
    return (dir / "c.json").string();
  };
  const std::string minimal =
      R"({"providers":{"openai":{"kind":"openai","base_url":"http://127.0.0.1:1/v1","api_key_env":"K","models":{"gpt-4o-mini":{}}}},"agents":{"a":{}},"pricing_file":"pricing.json"})";
  try {
    load_config(write(minimal), {});
    FAIL() << "accepted";
  } catch (const config_error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("config: ", 0), 0u) << e.what();  // one line, a key
  }
  for (auto text : {"[]", "1", "\"x\"", "null"}) EXPECT_THROW(load_config(write(text), {}), config_error) << text;
}

TEST(config, a_number_too_large_for_a_double_is_a_config_error_not_a_crash) {
  // Found by the config fuzzer: nlohmann reports 4e4444 as out_of_range, not as a parse error.
  const auto dir = std::filesystem::temp_directory_path() / "tickgate-config-overflow";
  std::filesystem::create_directories(dir);
  const auto path = (dir / "c.json").string();
  std::ofstream(path) << R"({"budget": {"daily_usd": 4e4444}})";
  try {
    load_config(path, {});
    FAIL() << "accepted";
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("not valid JSON"), std::string::npos) << e.what();
  }
  EXPECT_NE(error_of({"budget.daily_usd=4e4444"}), "");  // --set: a one-line error too
}
