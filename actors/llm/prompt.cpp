#include "actors/llm/prompt.hpp"

#include <nlohmann/json.hpp>

#include <cmath>

namespace tickgate {

std::string system_prompt(const agent_config& agent) { return agent.system_prompt; }

std::string user_prompt(const agent_config& agent, const llm_request& req) {
  using json = nlohmann::json;
  auto num = [](double v, double scale) -> json {
    if (!present(v)) return nullptr;
    return std::round(v * scale) / scale;
  };
  json states = json::array();
  for (auto& it : req.items) {
    auto& s = it.snap;
    states.push_back({{"symbol", it.symbol},
                      {"ts", it.ts},
                      {"trigger", to_string(static_cast<event_type>(it.trigger))},
                      {"priority", to_string(static_cast<priority>(it.prio))},
                      {"price", s.price},
                      {"return_pct", num(s.ret_pct, 1e4)},
                      {"move_pct", num(s.move_pct, 1e4)},
                      {"volatility_pct", num(s.volatility_pct, 1e4)},
                      {"volume_ratio", num(s.volume_ratio, 100)},
                      {"rsi", num(s.rsi, 100)},
                      {"macd", num(s.macd, 1e4)},
                      {"iv", num(s.iv, 1e4)},
                      {"support", num(s.support, 1e4)},
                      {"resistance", num(s.resistance, 1e4)},
                      {"spread_bps", num(s.spread_bps, 100)},
                      {"atr_pct", num(s.atr_pct, 1e4)},
                      {"adx", num(s.adx, 100)},
                      {"di_spread", num(s.di_spread, 100)},
                      {"bollinger_position", num(s.bb_position, 1e4)}});
  }
  return json{{"task", agent.name}, {"states", std::move(states)}}.dump();
}

}  // namespace tickgate
