#pragma once
// Prioritise stage, pure: keeps each symbol's rolling state (returns, realised volatility,
// minute volume average, minute closes for RSI/MACD, minute highs/lows for support and
// resistance) and derives typed, prioritised events from each tick. Event time only.
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "actors/prioritise/bar_indicators.hpp"
#include "actors/prioritise/market_watch.hpp"
#include "config/config.hpp"
#include "messages/market_event.hpp"
#include "messages/outside_event.hpp"

namespace tickgate {

/// RSI crossings with hysteresis: a side signals again only once RSI went back inside.
struct rsi_cross {
  bool up_armed = true;
  bool down_armed = true;
};

/// Rolling state of one symbol. Owned by the prioritise_policy.
struct symbol_state {
  double last_price = k_absent;
  double anchor_price = k_absent;  // price at the last price_change event
  // Return statistics (Welford) for z-scores.
  int64_t n_returns = 0;
  double ret_mean = 0;
  double ret_m2 = 0;
  // Realised volatility window: squared returns with their timestamps.
  std::deque<std::pair<int64_t, double>> sq_returns;
  double sq_sum = 0;
  bool high_vol = false;  // currently above the threshold (edge-triggered events)
  std::deque<double> minute_vols;  // realised volatility at each minute close, last 1440
  // Minute aggregation.
  int64_t minute = -1;
  double minute_volume = 0;
  double minute_high = 0;
  double minute_low = 0;
  double minute_close = 0;
  bool spike_fired = false;
  bool vol_anomaly_fired = false;
  double volume_avg = 0;  // EWMA of completed minute volumes
  int64_t minutes_seen = 0;
  // RSI (Wilder) and MACD on minute closes.
  double prev_close = k_absent;
  double avg_gain = 0;
  double avg_loss = 0;
  int64_t rsi_samples = 0;
  double rsi = k_absent;
  double prev_rsi = k_absent;
  bar_indicators bars;  // ATR, ADX, Bollinger on minute bars
  double ema_fast = k_absent;
  double ema_slow = k_absent;
  // Support/resistance from completed minutes: (minute, high, low).
  std::deque<std::tuple<int64_t, double, double>> minutes;
  int64_t last_resistance_break = INT64_MIN / 2;
  int64_t last_support_break = INT64_MIN / 2;
  double supplied_rsi_prev = k_absent;
  rsi_cross computed_cross;  // RSI computed here on minute closes
  rsi_cross supplied_cross;  // RSI the ticks carry
  watch_state watch;  // sharp moves, volume surges, spread blow-outs, volatility jumps
  snapshot last_snap;  // after the latest tick (not checkpointed: rebuilt by the next tick)
  // levels() for `levels_minute` under thresholds `levels_gen`: they change only when a minute
  // closes or the window moves (not checkpointed: recomputed by the next tick).
  int64_t levels_minute = INT64_MIN;
  uint64_t levels_gen = 0;
  double levels_sup = k_absent;
  double levels_res = k_absent;
};

/// Each agent's verdict before the decision stages: subscribed to the tick's most important
/// event it listens to (events sorted by priority), else skipped as not_subscribed.
void initial_verdicts(const std::vector<agent_config>& agents, tick_work& w);

/// Derives events; one instance per shard, owned by its prioritise actor.
class prioritise_policy {
 public:
  explicit prioritise_policy(event_thresholds t) : t_(t) {}
  void set_thresholds(const event_thresholds& t) {
    t_ = t;
    ++thresholds_gen_;  // the support/resistance window may have changed
  }
  const event_thresholds& thresholds() const { return t_; }

  /// Updates the symbol's state with the tick and returns the snapshot and its events
  /// (at least one: a plain tick is a LOW price_update). Sorted by priority, highest first.
  void assess(const tick& t, snapshot& snap, std::vector<market_event>& events);
  /// An outside event meets the symbol's state as of its latest tick without changing it:
  /// `t` (symbol, ts, price), the snapshot (the event's price if it has one), and the event.
  void outside(const outside_event& e, tick& t, snapshot& snap, std::vector<market_event>& events) const;

  /// Checkpoint of one symbol's state ("" when the symbol has none), and its inverse (throws
  /// state_decode_error on a record it cannot read; the symbol then starts cold).
  std::string save(const std::string& symbol) const;
  void load(const std::string& symbol, std::string_view bytes);
  void forget(const std::string& symbol) { states_.erase(symbol); }
  /// Symbols whose last tick fell before `before_ts` (event time, to the minute), sorted:
  /// retention of the state of symbols no longer traded.
  std::vector<std::string> idle_symbols(int64_t before_ts) const;

 private:
  void close_minute(symbol_state& s, std::vector<market_event>& events);
  void rsi_signal(rsi_cross& c, double prev, double now, std::vector<market_event>& events) const;
  /// Support (low) and resistance (high) of the minutes old enough to count; NaN when none.
  std::pair<double, double> levels(const symbol_state& s, int64_t now_minute) const;

  event_thresholds t_;
  uint64_t thresholds_gen_ = 1;  // bumped by set_thresholds (symbol_state's levels cache)
  std::unordered_map<std::string, symbol_state> states_;
};

}  // namespace tickgate
