#include "actors/llm/rules_analyst.hpp"

#include <nlohmann/json.hpp>

#include <cmath>

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
    std::string regime = vol_high               ? "volatile"
                         : trend > 0 && s.move_pct > 0 ? "trending_up"
                         : trend < 0 && s.move_pct < 0 ? "trending_down"
                                                       : "ranging";
    r["regime"] = regime;
    r["confidence"] = regime == "ranging" ? 0.4 : 0.6;
    r["rationale"] = "volatility and MACD/move direction";
  } else if (type == "signal_validation") {
    bool up = trig == event_type::resistance_break ||
              (trig == event_type::signal && present(s.rsi) && s.rsi > t.rsi_overbought);
    bool down = trig == event_type::support_break ||
                (trig == event_type::signal && present(s.rsi) && s.rsi < t.rsi_oversold);
    // A breakout agreeing with the trend is credible; an RSI extreme against it is not.
    bool valid = (up && trend >= 0 && trig != event_type::signal) ||
                 (down && trend <= 0 && trig != event_type::signal) ||
                 (trig == event_type::signal && ((up && trend < 0) || (down && trend > 0)));
    r["valid"] = valid;
    r["direction"] = !valid ? "none" : (trig == event_type::signal ? (up ? "short" : "long")
                                                                   : (up ? "long" : "short"));
    r["confidence"] = valid ? 0.55 : 0.5;
    r["rationale"] = "breakout with trend, or RSI extreme against trend (mean reversion)";
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
