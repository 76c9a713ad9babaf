#pragma once
// The newest event time seen, and whether a tick opens a period of it (an hour, a day) not seen
// before: for work done once per period of event time (retention sweeps), never per tick.
#include <cstdint>

#include "common/window_stats.hpp"

namespace tickgate {

class period_clock {
 public:
  explicit period_clock(int64_t period_ms) : period_ms_(period_ms) {}
  /// Advances to `ts` when newer; true when that starts a new period.
  bool advance(int64_t ts) {
    if (ts <= newest_) return false;
    newest_ = ts;
    const int64_t p = floor_div(ts, period_ms_);
    if (p == period_) return false;
    period_ = p;
    return true;
  }
  int64_t newest() const { return newest_; }
  int64_t period() const { return period_; }  // of the newest tick

 private:
  int64_t period_ms_;
  int64_t newest_ = INT64_MIN;
  int64_t period_ = INT64_MIN;
};

}  // namespace tickgate
