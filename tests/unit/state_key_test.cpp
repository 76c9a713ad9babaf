// The cache's quantised state: hand-computed bands, equivalent states share a key, materially
// different ones never do, and the bands are part of the key version.
#include <set>
#include <gtest/gtest.h>

#include <cmath>

#include "actors/cache/state_key.hpp"

using namespace tickgate;

namespace {
snapshot state(double price, double vol = k_absent, double rsi = k_absent) {
  snapshot s;
  s.price = price;
  s.volatility_pct = vol;
  s.rsi = rsi;
  return s;
}
}  // namespace

TEST(state_key, price_step_follows_the_volatility_band) {
  quantise_config q;  // base 0.05, ratio 2, 1 vol per step, within 0.1 .. 3
  EXPECT_DOUBLE_EQ(price_step_pct(q, k_absent), 0.1);  // not known yet: the finest step
  EXPECT_DOUBLE_EQ(price_step_pct(q, 0.04), 0.1);      // below the base: the minimum
  EXPECT_DOUBLE_EQ(price_step_pct(q, 0.3), 0.2);       // band [0.2, 0.4)
  EXPECT_DOUBLE_EQ(price_step_pct(q, 0.45), 0.4);      // band [0.4, 0.8)
  EXPECT_DOUBLE_EQ(price_step_pct(q, 9), 3.0);         // band [6.4, 12.8): capped
  q.price_step_vols = 2;
  EXPECT_DOUBLE_EQ(price_step_pct(q, 0.3), 0.4);
}

TEST(state_key, hand_computed_tokens) {
  quantise_config q;
  // vol 0.3 -> band 3 ([0.2, 0.4)), step 0.2%: bucket floor(4.60517 / 0.0019980) = 2304, the
  // bucket [99.823, 100.023).
  EXPECT_EQ(quantised_state(q, cf_price | cf_volatility | cf_rsi, state(100, 0.3, 55), 0),
            "p0.2:2304|v3|r5");
  // Absent values are "na", not a number that might match a real one.
  EXPECT_EQ(quantised_state(q, cf_price | cf_volatility | cf_rsi, state(100), 0), "p0.1:4607|vna|rna");
  // Trend: MACD sign, ADX band (edges 20, 40), DI sign.
  snapshot t = state(100);
  t.macd = -0.5, t.adx = 25, t.di_spread = 3;
  EXPECT_EQ(quantised_state(q, cf_trend, t, 0), "t-1+");
  EXPECT_EQ(quantised_state(q, cf_trigger, t, static_cast<uint8_t>(event_type::signal)), "esignal");
}

TEST(state_key, equivalent_states_share_a_key_and_different_ones_do_not) {
  quantise_config q;
  const uint32_t f = cf_price | cf_volatility | cf_rsi;
  // Inside the bucket [99.823, 100.023) of a 0.2% step, in the same bands: one key.
  EXPECT_EQ(quantised_state(q, f, state(99.83, 0.30, 52), 0), quantised_state(q, f, state(100.02, 0.35, 58), 0));
  EXPECT_NE(quantised_state(q, f, state(99.82, 0.30, 52), 0), quantised_state(q, f, state(99.83, 0.30, 52), 0));
  // A move of one step always lands in another bucket.
  for (double p = 50; p < 150; p += 0.37)
    EXPECT_NE(quantised_state(q, f, state(p, 0.3, 50), 0), quantised_state(q, f, state(p * 1.002, 0.3, 50), 0)) << p;
  // RSI across 70 (overbought) is another state; so is another volatility band.
  EXPECT_NE(quantised_state(q, f, state(100, 0.3, 69), 0), quantised_state(q, f, state(100, 0.3, 71), 0));
  EXPECT_NE(quantised_state(q, f, state(100, 0.3, 50), 0), quantised_state(q, f, state(100, 0.5, 50), 0));
  // A feature the agent does not key on does not split its answers.
  EXPECT_EQ(quantised_state(q, cf_price, state(100, 0.3, 20), 0), quantised_state(q, cf_price, state(100, 0.3, 80), 0));
}

TEST(state_key, the_same_bucket_index_at_two_steps_is_two_keys) {
  quantise_config q;
  // Volatility is not a feature here, but the step it sets is part of the price token.
  const auto a = quantised_state(q, cf_price, state(100, 0.3), 0);
  const auto b = quantised_state(q, cf_price, state(100, 0.5), 0);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.substr(0, 5), "p0.2:");
  EXPECT_EQ(b.substr(0, 5), "p0.4:");
}

TEST(state_key, key_version_changes_with_bands_and_features) {
  quantise_config q;
  const auto v = quantise_version(q, cf_price);
  EXPECT_EQ(v.size(), 9u);
  EXPECT_EQ(v, quantise_version(q, cf_price));
  EXPECT_NE(v, quantise_version(q, cf_price | cf_rsi));
  quantise_config q2 = q;
  q2.rsi_band = 5;
  EXPECT_NE(v, quantise_version(q2, cf_price));
  q2 = q;
  q2.volume_edges.push_back(24);
  EXPECT_NE(v, quantise_version(q2, cf_price));
}

TEST(state_key, key_version_is_remembered_per_setting_never_across_settings) {
  // quantise_version remembers its last answers: each must still belong to its own settings.
  quantise_config base;
  const auto v = quantise_version(base, cf_all);
  std::vector<quantise_config> variants;
  for (int i = 0; i < 20; ++i) {  // more than it remembers
    quantise_config q = base;
    q.rsi_band = 11 + i;  // the default is 10
    variants.push_back(q);
  }
  quantise_config zero_sign = base;
  zero_sign.bollinger_edges[0] = -0.0;  // == 0, but written "-0": another version
  variants.push_back(zero_sign);
  std::set<std::string> seen{v};
  for (auto& q : variants) {
    const auto qv = quantise_version(q, cf_all);
    EXPECT_TRUE(seen.insert(qv).second) << "rsi_band " << q.rsi_band;
    EXPECT_EQ(quantise_version(base, cf_all), v);  // asked again between them
    EXPECT_EQ(quantise_version(q, cf_all), qv);
  }
}

TEST(state_key, item_key_names_agent_prompt_version_key_version_and_symbol) {
  config cfg;
  agent_config a;
  a.name = "market_regime";
  a.prompt_version = "v7";
  a.cache_features = cf_price;
  cfg.agents.push_back(a);
  request_item it;
  it.symbol = "BTC/USD";
  it.fingerprint = "p0.1:1";
  EXPECT_EQ(item_cache_key(cfg, 0, it),
            "market_regime/v7/" + quantise_version(cfg.cache_quantise, cf_price) + "/BTC/USD/p0.1:1");
}
