// The compact prompt: every known field of the state under its short key at the precision that
// matters, absent values left out (never null), parseable JSON, one entry per item in order.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "actors/llm/prompt.hpp"

using namespace tickgate;
using json = nlohmann::json;

TEST(prompt, compact_state_rounds_and_leaves_out_what_is_unknown) {
  agent_config a;
  a.name = "signal_validator";
  a.system_prompt = "You validate signals.";
  llm_request r;
  request_item it;
  it.symbol = "BTCUSDT";
  it.trigger = static_cast<uint8_t>(event_type::resistance_break);
  it.snap.price = 24786.6249;
  it.snap.ret_pct = -0.09041;
  it.snap.move_pct = 0.0642;
  it.snap.volatility_pct = 0.2681;
  it.snap.rsi = 71.56;
  it.snap.resistance = 24769.6211;
  it.snap.bb_position = 0.92613;
  r.items.push_back(it);
  it.symbol = "ETH";
  it.snap = snapshot{};
  it.snap.price = 1.23456789;
  r.items.push_back(it);
  const auto text = user_prompt(a, r);
  EXPECT_EQ(text.find("null"), std::string::npos);
  auto j = json::parse(text);
  ASSERT_EQ(j["states"].size(), 2u);
  const auto& s = j["states"][0];
  EXPECT_EQ(s["symbol"], "BTCUSDT");
  EXPECT_EQ(s["event"], "resistance_break");
  EXPECT_DOUBLE_EQ(s["price"].get<double>(), 24786.6);      // 6 significant digits
  EXPECT_DOUBLE_EQ(s["resistance"].get<double>(), 24769.6);
  EXPECT_DOUBLE_EQ(s["return%"].get<double>(), -0.09);     // 3 decimals
  EXPECT_DOUBLE_EQ(s["move%"].get<double>(), 0.06);
  EXPECT_DOUBLE_EQ(s["volatility%"].get<double>(), 0.27);
  EXPECT_DOUBLE_EQ(s["rsi"].get<double>(), 72);
  EXPECT_DOUBLE_EQ(s["bollinger"].get<double>(), 0.93);
  for (auto absent : {"macd", "iv", "expiry_days", "support", "spread_bps", "atr%", "adx", "di_spread", "volume_x"})
    EXPECT_FALSE(s.contains(absent)) << absent;
  EXPECT_EQ(j["states"][1]["symbol"], "ETH");
  EXPECT_DOUBLE_EQ(j["states"][1]["price"].get<double>(), 1.23457);
  EXPECT_EQ(system_prompt(a), a.system_prompt);  // the static part, first in every call
}
