#pragma once
// The market watch, pure: per symbol, the measures a timer and the change score miss (sharp
// moves over minutes, volume surges, spread blow-outs, volatility jumps), each turned into a
// HIGH event when it reaches its threshold and again when it intensifies or, for volume,
// continues into another minute. Event time only; part of the prioritise stage's state.
#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "common/window_stats.hpp"
#include "config/config.hpp"
#include "messages/market_event.hpp"

namespace tickgate {

class state_reader;
class state_writer;

/// One measure's trigger: fires at the threshold, then each time the value reaches `intensify`
/// x the value it last fired at, or has stayed at or above the threshold for `repeat_ms` since
/// it last fired; re-armed when the value falls back below the threshold.
struct level_trigger {
  double next = 0;  // 0: armed at the threshold
  int64_t fired_ts = 0;
  bool step(double value, int64_t ts, const watch_config& c, double threshold) {
    if (!(value >= threshold)) {
      next = 0;
      return false;
    }
    if (next > 0 && value < next && ts - fired_ts < c.repeat_ms) return false;
    next = value * c.intensify;
    fired_ts = ts;
    return true;
  }
};

/// Watch state of one symbol (checkpointed with the rest of the symbol's state).
struct watch_state {
  static constexpr int k_kinds = 4;  // sharp_move, volume_surge, spread_blowout, volatility_jump
  // Sharp moves: monotonic (ts, price) deques over the longest window; a trigger per window
  // and direction (up at [2i], down at [2i+1]).
  timed_values lows, highs;
  std::vector<level_trigger> move;
  // Volume: completed minutes (zero-filled), newest last; each window's mean (0: not complete
  // or idle), fixed at each minute's roll, and a trigger per window.
  int64_t minute = INT64_MIN;
  double minute_volume = 0;
  double minute_close = 0;
  double prev_close = 0;
  std::deque<double> volumes;
  std::vector<double> volume_means;
  std::vector<level_trigger> volume;
  // Spread: its median over the window, sampled at most once a second.
  window_median spreads;
  level_trigger spread;
  // Volatility: one-minute log returns, the last 2 x vol_window_minutes.
  std::deque<double> returns;
  level_trigger vol_jump;
  // Emission per kind: a trigger is pending until follow_up has passed since the last event.
  struct emission {
    int64_t last = INT64_MIN / 2;
    bool pending = false;
    double magnitude = 0;  // the largest trigger while pending, and its reason
    std::string reason;
  };
  emission emits[k_kinds];

  void save(state_writer& w) const;
  void load(state_reader& r);
};

/// Updates `s` with `t` and appends the watch's events for it (at most one per kind).
void watch_tick(const watch_config& c, watch_state& s, const tick& t,
                std::vector<market_event>& out);

}  // namespace tickgate
