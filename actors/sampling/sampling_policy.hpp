#pragma once
// Sampling stage, pure: per symbol and agent, decides call / batch / skip from the agent's
// strategy, the change verdict, min_ai_interval and the spacing of HIGH and CRITICAL events
// (which call at once), on event time.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "messages/market_event.hpp"

namespace tickgate {

/// Adaptive interval: base * reference_vol / vol, clamped to [min, max]; base when vol unknown.
int64_t adaptive_interval_ms(const strategy_config& s, double volatility_pct);

/// One instance per shard, owned by its sampling actor.
class sampling_policy {
 public:
  sampling_policy(std::vector<agent_config> agents, int64_t min_ai_interval_ms,
                  int64_t critical_spacing_ms)
      : agents_(std::move(agents)), min_interval_(min_ai_interval_ms),
        critical_spacing_(critical_spacing_ms) {}
  void set_config(std::vector<agent_config> agents, int64_t min_ai_interval_ms,
                  int64_t critical_spacing_ms) {
    agents_ = std::move(agents);
    min_interval_ = min_ai_interval_ms;
    critical_spacing_ = critical_spacing_ms;
  }
  /// Decides every pending verdict of the tick.
  void decide(tick_work& w);

  /// Checkpoint of one symbol's state ("" when it has none) and its inverse (throws
  /// state_decode_error on a record it cannot read; the symbol then starts cold).
  std::string save(const std::string& symbol) const;
  void load(const std::string& symbol, std::string_view bytes);
  void forget(const std::string& symbol);

 private:
  struct agent_state {
    int64_t last_call = INT64_MIN / 2;
    bool pending_change = false;  // a significant change was held back by an interval
    // A HIGH or CRITICAL event held back by the spacing (event_type + 1; 0: none): called on
    // the agent's first tick once the spacing has passed, whatever that tick's events are.
    uint8_t pending_urgent = 0;
    uint8_t pending_urgent_prio = 0;
  };
  std::vector<agent_config> agents_;
  int64_t min_interval_;
  int64_t critical_spacing_;
  std::unordered_map<std::string, std::vector<agent_state>> states_;
};

}  // namespace tickgate
