// ATR/ADX/Bollinger against hand-computed bars, and the rule-based regime they drive.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>

#include "actors/llm/rules_analyst.hpp"
#include "actors/prioritise/bar_indicators.hpp"

using namespace tickgate;

TEST(bar_indicators, atr_adx_and_bollinger_by_hand) {
  bar_indicators b(2, 3, 2.0);  // period 2, bands over 3 closes
  b.on_bar(10, 8, 9);            // first bar: only remembered
  EXPECT_FALSE(present(b.atr()));
  b.on_bar(12, 9, 11);  // TR max(3, |12-9|, |9-9|) = 3; up 2 > down -1: +DM 2, -DM 0
  EXPECT_FALSE(present(b.atr()));
  b.on_bar(13, 11, 12);  // TR max(2, 2, 0) = 2; +DM 1
  // Sums over the first 2 bars: TR 5, +DM 3, -DM 0 -> ATR 2.5, +DI 60, -DI 0, DX 100.
  EXPECT_DOUBLE_EQ(b.atr(), 2.5);
  EXPECT_DOUBLE_EQ(b.di_spread(), 60);
  EXPECT_FALSE(present(b.adx()));  // one DX so far
  b.on_bar(12, 10, 10);  // TR max(2, 0, 2) = 2; up -1, down 1: -DM 1
  // Wilder: TR 5 - 2.5 + 2 = 4.5, +DM 3 - 1.5 + 0 = 1.5, -DM 0 - 0 + 1 = 1.
  EXPECT_DOUBLE_EQ(b.atr(), 2.25);
  const double pdi = 100 * 1.5 / 4.5, mdi = 100 * 1 / 4.5;
  const double dx2 = 100 * (pdi - mdi) / (pdi + mdi);  // 20
  EXPECT_NEAR(b.adx(), (100 + dx2) / 2, 1e-9);
  // Bollinger over closes 11, 12, 10: mean 11, population sd sqrt(2/3).
  const double sd = std::sqrt(2.0 / 3.0);
  EXPECT_NEAR(b.bollinger_position(11), 0.5, 1e-12);
  EXPECT_NEAR(b.bollinger_position(11 + 2 * sd), 1.0, 1e-12);
  EXPECT_GT(b.bollinger_position(20), 1.0);  // outside the upper band
}

TEST(rules_analyst, market_regime_from_adx_direction_and_bands) {
  agent_config agent;
  agent.name = "market_regime";
  agent.response_type = "market_analysis";
  event_thresholds t;
  request_item it;
  it.symbol = "BTCUSDT";
  it.snap.price = 100;
  it.snap.volatility_pct = 0.5;
  auto regime = [&](double adx, double di, double bb) {
    it.snap.adx = adx;
    it.snap.di_spread = di;
    it.snap.bb_position = bb;
    auto j = nlohmann::json::parse(rules_analysis(agent, it, t));
    EXPECT_EQ(j["method"], "rules");
    return j["regime"].get<std::string>();
  };
  EXPECT_EQ(regime(32, 12, 0.9), "trending_up");
  EXPECT_EQ(regime(32, -12, 0.1), "trending_down");
  EXPECT_EQ(regime(15, 2, 0.5), "ranging");
  EXPECT_EQ(regime(15, 2, 1.3), "volatile");  // out of the bands without a trend
  it.snap.volatility_pct = 5;                  // above volatility_threshold_pct
  EXPECT_EQ(regime(32, 12, 0.9), "volatile");
}
