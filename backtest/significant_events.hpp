#pragma once
// The backtest's judge of what mattered in the market: significant events found from the ticks
// alone, with definitions of their own (backtest.significance), independent of the prioritise
// stage whose decisions are being judged. Pure and deterministic; feed each symbol's ticks in
// event-time order.
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/window_stats.hpp"
#include "config/config.hpp"
#include "messages/tick.hpp"

namespace tickgate {

struct significant_event {
  std::string symbol;
  int64_t ts = 0;
  std::string kind;  // price_move | volume_spike | volatility_jump | sr_break | spread_blowout
  double price = 0;
  std::string detail;  // the numbers behind it, for the report
};

/// Event kinds in report order.
const std::vector<std::string>& significant_kinds();

class significance_detector {
 public:
  /// `only`: judge this kind alone (the others are skipped); empty: every kind.
  explicit significance_detector(const significance_config& cfg, std::string only = {})
      : cfg_(cfg), only_(kind_of(only)) {}
  /// Appends the events `t` completes (at most one per kind).
  void observe(const tick& t, std::vector<significant_event>& out);

 private:
  struct series {
    int64_t first_ts = INT64_MIN;
    // price_move: monotonic deques of (ts, price) over move_window
    std::deque<std::pair<int64_t, double>> move_min, move_max;
    // sr_break: prices younger than sr_min_age wait in `young`; aged ones feed the deques
    std::deque<std::pair<int64_t, double>> young, aged_min, aged_max;
    // one-minute bars
    int64_t minute = INT64_MIN;
    double minute_volume = 0;
    double minute_close = 0;
    bool spike_this_minute = false;
    double prev_close = 0;
    std::deque<double> volumes;  // complete minutes before the current one
    std::deque<double> returns;  // one-minute log returns, the last 2 x vol_window_minutes
    window_median spreads;  // spread_blowout: the spreads of the window's quotes
    int64_t last_event[5] = {INT64_MIN, INT64_MIN, INT64_MIN, INT64_MIN, INT64_MIN};
  };
  static int kind_of(const std::string& kind);  // -1 for ""
  bool judged(int kind) const { return only_ < 0 || only_ == kind; }
  void observe_spread(series& s, const tick& t, std::vector<significant_event>& out);
  bool cooled(series& s, int kind, int64_t ts);
  void close_minute(series& s, const tick& t, std::vector<significant_event>& out);

  significance_config cfg_;
  int only_ = -1;
  std::unordered_map<std::string, series> by_symbol_;
};

}  // namespace tickgate
