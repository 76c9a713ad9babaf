#pragma once
// What the prioritise stage derives from a tick, and the per-agent verdicts the decision
// stages add as the tick travels prioritise -> change -> sampling -> batching.
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "messages/tick.hpp"

namespace tickgate {

enum class priority : uint8_t { low = 0, medium = 1, high = 2, critical = 3 };
const char* to_string(priority p);

enum class event_type : uint8_t {
  price_update = 0,   // LOW: a plain tick
  price_change,       // MEDIUM: moved price_change_pct from the last anchor
  volume_spike,       // MEDIUM: minute volume >= multiplier x its average
  high_volatility,    // HIGH: realised volatility crossed volatility_threshold
  signal,             // HIGH: RSI crossed out of [30, 70]
  support_break,      // CRITICAL
  resistance_break,   // CRITICAL
  anomaly,            // CRITICAL: return z-score or volume far outside the norm
  // The market watch (events.watch): each re-fires while its condition intensifies or, for
  // volume, continues into the next minute; HIGH, so they call without waiting for an interval.
  sharp_move,         // HIGH: price beyond the low/high of a short window by move_pct
  volume_surge,       // HIGH: a minute's volume >= volume_ratio x the mean of a window before it
  spread_blowout,     // HIGH: bid/ask spread >= spread_ratio x its rolling median
  volatility_jump,    // HIGH: stdev of recent one-minute returns >= vol_jump_factor x before
  // Outside events (market.events): handed in by the desk, not derived from ticks. Priority as
  // sent (capped by events.outside.max_priority), else the default noted here.
  strategy_signal,    // HIGH: a strategy's entry/exit signal ("signal" on the wire)
  position_opened,    // HIGH
  position_closed,    // MEDIUM
  earnings,           // HIGH: an earnings release
  news,               // MEDIUM: a headline
  on_demand,          // CRITICAL: an analysis asked for on ai.requests (one agent only)
  count_
};
const char* to_string(event_type t);
bool parse_event_type(const std::string& s, event_type& out);
priority priority_of(event_type t);
/// True for the types only market.events carries.
inline bool is_outside(event_type t) {
  return t >= event_type::strategy_signal && t < event_type::count_;
}
bool parse_priority(const std::string& s, priority& out);  // LOW..CRITICAL, any case

/// One derived event.
struct market_event {
  uint8_t type = 0;  // event_type
  uint8_t prio = 0;  // priority
  double magnitude = 0;  // the number behind it (move %, volume ratio, z-score, ...)
  std::string reason;    // an outside event's: its text
  std::string ref;       // on_demand: the caller's correlation id
  int64_t max_age_ms = -1;  // on_demand: how old a cached answer may be (-1: its TTL)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, market_event& x) {
  return f(caf::meta::type_name("market_event"), x.type, x.prio, x.magnitude, x.reason, x.ref,
           x.max_age_ms);
}

/// The symbol's derived state right after a tick; NaN where not yet known.
struct snapshot {
  double price = 0;
  double ret_pct = 0;         // return vs previous tick, %
  double move_pct = 0;        // move vs the price-change anchor, %
  double volatility_pct = k_absent;  // realised volatility over the window, %
  double volatility_rank = k_absent; // percentile (0..100) of it among the last day's minutes
  double volume_ratio = k_absent;    // current minute volume / average minute volume
  double rsi = k_absent;
  double macd = k_absent;
  double iv = k_absent;
  double days_to_expiry = k_absent;
  double support = k_absent;
  double resistance = k_absent;
  double spread_bps = k_absent;
  double atr_pct = k_absent;      // Wilder ATR(14) of minute bars, % of price
  double adx = k_absent;          // ADX(14): trend strength 0..100
  double di_spread = k_absent;    // +DI minus -DI: direction of the trend
  double bb_position = k_absent;  // Bollinger(20, 2): 0 lower band, 1 upper band
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, snapshot& x) {
  return f(caf::meta::type_name("snapshot"), x.price, x.ret_pct, x.move_pct, x.volatility_pct,
           x.volatility_rank, x.volume_ratio, x.rsi, x.macd, x.iv, x.days_to_expiry, x.support, x.resistance,
           x.spread_bps, x.atr_pct, x.adx, x.di_spread, x.bb_position);
}

enum class action : uint8_t { pending = 0, call = 1, batch = 2, skip = 3 };
const char* to_string(action a);

/// One agent's verdict on one tick, filled in stage by stage.
struct agent_verdict {
  uint16_t agent = 0;        // index into the config's agent list
  uint8_t trigger = 0;       // event_type of the event that matters most to this agent
  uint8_t prio = 0;          // its priority
  bool subscribed = false;   // did any event match the agent's subscriptions
  bool changed = false;      // change stage: significant change vs baseline
  double significance = 0;   // change stage: score 0..100 (after weights)
  double change_pct = 0;     // change stage: largest relative change vs baseline, %
  uint8_t act = 0;           // action
  // Why: a stable code then the numbers behind it. The common skips are kept as their form and
  // numbers, not text (messages/verdict_reason.hpp renders them): `reason` is then empty.
  uint8_t reason_form = 0;   // reason_form; 0: the text in `reason`
  int64_t reason_a = 0;      // the form's numbers (elapsed ms, then the interval or spacing)
  int64_t reason_b = 0;
  std::string reason;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_verdict& x) {
  return f(caf::meta::type_name("agent_verdict"), x.agent, x.trigger, x.prio, x.subscribed,
           x.changed, x.significance, x.change_pct, x.act, x.reason_form, x.reason_a, x.reason_b,
           x.reason);
}

/// A tick with everything derived from it; the unit of work of the decision stages.
struct tick_work {
  tick t;
  snapshot snap;
  std::vector<market_event> events;
  uint8_t top_prio = 0;
  uint32_t config_version = 0;
  std::vector<agent_verdict> verdicts;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tick_work& x) {
  return f(caf::meta::type_name("tick_work"), x.t, x.snap, x.events, x.top_prio,
           x.config_version, x.verdicts);
}

}  // namespace tickgate
