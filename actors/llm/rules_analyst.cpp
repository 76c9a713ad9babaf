#include "actors/llm/rules_analyst.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tickgate {

std::string rules_analysis(const agent_config& agent, const request_item& item,
                           const event_thresholds& t) {
  using json = nlohmann::json;
  const auto& s = item.snap;
  const auto trig = static_cast<event_type>(item.trigger);
  const bool vol_high = present(s.volatility_pct) && s.volatility_pct >= t.volatility_threshold_pct;
  const double trend = present(s.macd) ? s.macd : s.move_pct;
  json r{{"symbol", item.symbol}, {"method", "rules"}};
  const auto& type = agent.response_type;
  if (type == "market_analysis") {
    // ADX says whether there is a trend and +DI/-DI which way; Bollinger position and realised
    // volatility say whether the range holds; MACD/move decide while the bars warm up.
    const bool have_adx = present(s.adx) && present(s.di_spread);
    const bool outside = present(s.bb_position) && (s.bb_position > 1 || s.bb_position < 0);
    std::string regime;
    double confidence = 0.4;
    if (vol_high || (outside && have_adx && s.adx < 20)) {
      regime = "volatile";
      confidence = 0.6;
    } else if (have_adx && s.adx >= 25) {
      regime = s.di_spread >= 0 ? "trending_up" : "trending_down";
      confidence = std::min(0.9, 0.5 + (s.adx - 25) / 50);
    } else if (have_adx && s.adx < 20) {
      regime = "ranging";
      confidence = 0.5;
    } else {
      regime = trend > 0 && s.move_pct > 0   ? "trending_up"
               : trend < 0 && s.move_pct < 0 ? "trending_down"
                                             : "ranging";
      confidence = regime == "ranging" ? 0.4 : 0.55;
    }
    std::string why;
    auto part = [&](const char* fmt, double v) {
      if (!present(v)) return;
      char buf[64];
      std::snprintf(buf, sizeof buf, fmt, v);
      why += (why.empty() ? "" : ", ") + std::string(buf);
    };
    part("ADX %.1f", s.adx);
    part("+DI-(-DI) %.1f", s.di_spread);
    part("Bollinger position %.2f", s.bb_position);
    part("ATR %.3f%%", s.atr_pct);
    part("volatility %.2f%%", s.volatility_pct);
    if (why.empty()) why = "MACD/move direction (indicators warming up)";
    r["regime"] = regime;
    r["confidence"] = std::round(confidence * 100) / 100;
    r["rationale"] = why;
  } else if (type == "signal_validation") {
    bool up = trig == event_type::resistance_break ||
              (trig == event_type::signal && present(s.rsi) && s.rsi > t.rsi_overbought);
    bool down = trig == event_type::support_break ||
                (trig == event_type::signal && present(s.rsi) && s.rsi < t.rsi_oversold);
    // A breakout agreeing with the trend is credible; an RSI extreme against it is not.
    // A breakout needs the trend with it (and, once known, some trend strength: ADX >= 20).
    const bool strong = !present(s.adx) || s.adx >= 20;
    bool valid = (up && trend >= 0 && strong && trig != event_type::signal) ||
                 (down && trend <= 0 && strong && trig != event_type::signal) ||
                 (trig == event_type::signal && ((up && trend < 0) || (down && trend > 0)));
    r["valid"] = valid;
    r["direction"] = !valid ? "none" : (trig == event_type::signal ? (up ? "short" : "long")
                                                                   : (up ? "long" : "short"));
    r["confidence"] = valid ? 0.55 : 0.5;
    r["rationale"] = "breakout with the trend and ADX >= 20, or RSI extreme against the trend (mean reversion)";
  } else if (type == "anomaly_detection") {
    bool anomaly = trig == event_type::anomaly ||
                   (present(s.volume_ratio) && s.volume_ratio >= t.anomaly_volume_multiplier);
    r["anomaly"] = anomaly;
    r["severity"] = anomaly ? "high" : (vol_high ? "medium" : "low");
    r["rationale"] = "z-score and volume rules";
  } else {
    r["stance"] = vol_high ? "reduce" : (trend > 0 ? "increase" : "hold");
    r["confidence"] = 0.5;
    r["rationale"] = "trend and volatility";
  }
  return r.dump();
}

}  // namespace tickgate
