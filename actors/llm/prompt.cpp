#include "actors/llm/prompt.hpp"

#include <cmath>

#include "common/json_writer.hpp"

namespace tickgate {
namespace {

/// `v` to `digits` significant digits: what matters of a price or a level, and fewer tokens.
double significant(double v, int digits) {
  if (v == 0 || !std::isfinite(v)) return v;
  const double scale = std::pow(10.0, digits - 1 - static_cast<int>(std::floor(std::log10(std::fabs(v)))));
  return std::round(v * scale) / scale;
}

double decimals(double v, int places) {
  const double scale = std::pow(10.0, places);
  return std::round(v * scale) / scale;
}

}  // namespace

std::string system_prompt(const agent_config& agent) { return agent.system_prompt; }

std::string user_prompt(const agent_config&, const llm_request& req) {
  std::string out;
  out.reserve(160 * req.items.size() + 16);
  json_writer w(out);
  w.begin_object().key("states").begin_array();
  for (auto& it : req.items) {
    const auto& s = it.snap;
    // Absent values are left out; each number at the precision an analyst reads it at.
    auto put = [&](const char* key, double v, double rounded) {
      if (present(v) && std::isfinite(v)) w.field(key, rounded);
    };
    w.begin_object();
    w.field("symbol", it.symbol).field("event", to_string(static_cast<event_type>(it.trigger)));
    if (!it.detail.empty()) w.field("detail", it.detail);
    put("price", s.price, significant(s.price, 6));
    put("return%", s.ret_pct, decimals(s.ret_pct, 3));
    put("move%", s.move_pct, decimals(s.move_pct, 2));
    put("volatility%", s.volatility_pct, significant(s.volatility_pct, 2));
    put("volume_x", s.volume_ratio, decimals(s.volume_ratio, 1));
    put("rsi", s.rsi, decimals(s.rsi, 0));
    put("macd", s.macd, significant(s.macd, 3));
    put("iv", s.iv, decimals(s.iv, 3));
    put("expiry_days", s.days_to_expiry, decimals(s.days_to_expiry, 1));
    put("support", s.support, significant(s.support, 6));
    put("resistance", s.resistance, significant(s.resistance, 6));
    put("spread_bps", s.spread_bps, significant(s.spread_bps, 2));
    put("atr%", s.atr_pct, significant(s.atr_pct, 2));
    put("adx", s.adx, decimals(s.adx, 0));
    put("di_spread", s.di_spread, decimals(s.di_spread, 0));
    put("bollinger", s.bb_position, decimals(s.bb_position, 2));
    w.end_object();
  }
  w.end_array().end_object();
  return out;
}

}  // namespace tickgate
