#pragma once
// Change detection stage, pure: per symbol and agent, scores the current state against the
// baseline (the state at the last significant change for that agent) with the agent's weights.
// The baseline moves only on this stage's own verdict, never on feedback from later stages,
// so the same input always gives the same verdicts (replays are exact).
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "messages/market_event.hpp"

namespace tickgate {

/// The score of one state against a baseline, and why.
struct change_score {
  double score = 0;       // weighted points
  double change_pct = 0;  // largest weighted relative change, %
  bool aged = false;      // baseline older than max_age
  std::string reason;
};

/// Scores a state against a baseline; exposed for tests.
change_score score_change(const change_config& c, const agent_config& a, const snapshot& now,
                          int64_t now_ts, const snapshot& base, int64_t base_ts);

/// One instance per shard, owned by its change actor.
class change_policy {
 public:
  change_policy(change_config c, std::vector<agent_config> agents)
      : c_(std::move(c)), agents_(std::move(agents)) {}
  void set_config(change_config c, std::vector<agent_config> agents) {
    c_ = std::move(c);
    agents_ = std::move(agents);
  }
  /// Fills significance, change_pct and changed of every pending verdict.
  void assess(tick_work& w);

  /// Checkpoint of one symbol's state ("" when it has none) and its inverse (throws
  /// state_decode_error on a record it cannot read; the symbol then starts cold).
  std::string save(const std::string& symbol) const;
  void load(const std::string& symbol, std::string_view bytes);
  void forget(const std::string& symbol);

 private:
  struct baseline {
    snapshot snap;
    int64_t ts = 0;
  };
  change_config c_;
  std::vector<agent_config> agents_;
  std::unordered_map<std::string, std::vector<baseline>> baselines_;  // symbol -> per agent
  std::unordered_map<std::string, std::vector<bool>> has_baseline_;
};

}  // namespace tickgate
