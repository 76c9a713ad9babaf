#include "actors/prioritise/prioritise_policy.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <tuple>

#include "common/window_stats.hpp"
#include "messages/verdict_reason.hpp"

namespace tickgate {
namespace {

constexpr int64_t k_minute_ms = 60'000;
// Thresholds are inclusive; ratios like 100.5/100 - 1 land a hair below 0.005 in binary
// floating point, so "at the threshold" is compared with this tolerance.
constexpr double k_eps = 1e-9;
bool reaches(double value, double threshold) { return value >= threshold - k_eps; }

void emit(std::vector<market_event>& out, event_type type, double magnitude, const char* fmt,
          double a, double b = 0) {
  char buf[160];
  std::snprintf(buf, sizeof buf, fmt, a, b);
  out.push_back({static_cast<uint8_t>(type), static_cast<uint8_t>(priority_of(type)), magnitude,
                 buf});
}

}  // namespace

void initial_verdicts(const std::vector<agent_config>& agents, tick_work& w) {
  w.verdicts.resize(agents.size());
  for (size_t a = 0; a < agents.size(); ++a) {
    auto& v = w.verdicts[a];
    // A fresh verdict; a recycled one keeps its reason's memory.
    std::string reason = std::move(v.reason);
    v = agent_verdict{};
    v.reason = std::move(reason);
    v.reason.clear();
    v.agent = static_cast<uint16_t>(a);
    for (auto& e : w.events)
      if (agents[a].subscribes[e.type]) {
        v.subscribed = true;
        v.trigger = e.type;
        v.prio = e.prio;
        break;
      }
    if (!v.subscribed) {
      v.act = static_cast<uint8_t>(action::skip);
      set_reason(v, reason_form::not_subscribed);
    }
  }
}

void prioritise_policy::rsi_signal(rsi_cross& c, double prev, double now,
                                   std::vector<market_event>& events) const {
  // A crossing out of [oversold, overbought] signals once; the same side signals again only
  // after RSI went rsi_rearm_points back inside (a whipsaw around 70 is one signal, not ten).
  if (now < t_.rsi_overbought - t_.rsi_rearm_points) c.up_armed = true;
  if (now > t_.rsi_oversold + t_.rsi_rearm_points) c.down_armed = true;
  if (c.up_armed && prev <= t_.rsi_overbought && now > t_.rsi_overbought) {
    emit(events, event_type::signal, now, "rsi crossed above %.0f (%.2f)", t_.rsi_overbought, now);
    c.up_armed = false;
  } else if (c.down_armed && prev >= t_.rsi_oversold && now < t_.rsi_oversold) {
    emit(events, event_type::signal, now, "rsi crossed below %.0f (%.2f)", t_.rsi_oversold, now);
    c.down_armed = false;
  }
}

std::pair<double, double> prioritise_policy::levels(const symbol_state& s,
                                                    int64_t now_minute) const {
  const int64_t oldest = now_minute - t_.sr_window_ms / k_minute_ms;
  const int64_t newest = now_minute - std::max<int64_t>(1, t_.sr_min_age_ms / k_minute_ms);
  double sup = k_absent, res = k_absent;
  for (auto& [m, hi, lo] : s.minutes) {
    if (m < oldest || m > newest) continue;
    res = present(res) ? std::max(res, hi) : hi;
    sup = present(sup) ? std::min(sup, lo) : lo;
  }
  return {sup, res};
}

void prioritise_policy::close_minute(symbol_state& s, std::vector<market_event>& events) {
  // Volatility history for the rank: one sample per minute, a day of them.
  s.minute_vols.push_back(std::sqrt(std::max(s.sq_sum, 0.0)) * 100.0);
  if (s.minute_vols.size() > 1440) s.minute_vols.pop_front();
  // Volume average: EWMA over volume_avg_minutes completed minutes.
  double alpha = 2.0 / (t_.volume_avg_minutes + 1.0);
  s.volume_avg = s.minutes_seen == 0 ? s.minute_volume
                                     : alpha * s.minute_volume + (1 - alpha) * s.volume_avg;
  ++s.minutes_seen;
  s.minutes.emplace_back(s.minute, s.minute_high, s.minute_low);
  s.levels_minute = INT64_MIN;  // the levels see this minute from now on
  while (!s.minutes.empty() &&
         std::get<0>(s.minutes.front()) < s.minute - t_.sr_window_ms / k_minute_ms)
    s.minutes.pop_front();
  // RSI (Wilder) and MACD (12/26 EMA) on closes.
  double close = s.minute_close;
  if (present(s.prev_close)) {
    double change = close - s.prev_close;
    double gain = std::max(change, 0.0), loss = std::max(-change, 0.0);
    int n = t_.rsi_period;
    if (s.rsi_samples < n) {
      s.avg_gain += gain / n;
      s.avg_loss += loss / n;
    } else {
      s.avg_gain = (s.avg_gain * (n - 1) + gain) / n;
      s.avg_loss = (s.avg_loss * (n - 1) + loss) / n;
    }
    ++s.rsi_samples;
    if (s.rsi_samples >= n) {
      s.prev_rsi = s.rsi;
      s.rsi = s.avg_loss == 0 ? (s.avg_gain == 0 ? 50.0 : 100.0)
                              : 100.0 - 100.0 / (1.0 + s.avg_gain / s.avg_loss);
      if (present(s.prev_rsi)) rsi_signal(s.computed_cross, s.prev_rsi, s.rsi, events);
    }
  }
  s.prev_close = close;
  s.bars.on_bar(s.minute_high, s.minute_low, close);
  s.ema_fast = present(s.ema_fast) ? s.ema_fast + (2.0 / 13.0) * (close - s.ema_fast) : close;
  s.ema_slow = present(s.ema_slow) ? s.ema_slow + (2.0 / 27.0) * (close - s.ema_slow) : close;
}

void prioritise_policy::assess(const tick& t, snapshot& snap, std::vector<market_event>& events) {
  auto& s = states_[t.symbol];
  events.clear();
  int64_t minute = floor_div(t.ts, k_minute_ms);

  // 1. Minute roll: close the previous minute (may emit a RSI signal).
  if (s.minute != minute) {
    if (s.minute >= 0) close_minute(s, events);
    s.minute = minute;
    s.minute_volume = 0;
    s.minute_high = s.minute_low = t.price;
    s.spike_fired = s.vol_anomaly_fired = false;
  }
  s.minute_high = std::max(s.minute_high, t.price);
  s.minute_low = std::min(s.minute_low, t.price);
  s.minute_close = t.price;
  if (present(t.volume)) s.minute_volume += t.volume;

  // 2. Returns, z-score, realised volatility.
  double ret = present(s.last_price) ? t.price / s.last_price - 1.0 : 0.0;
  if (present(s.last_price)) {
    if (s.n_returns >= t_.anomaly_min_samples) {
      double sd = std::sqrt(s.ret_m2 / (s.n_returns - 1));
      double z = sd > 0 ? (ret - s.ret_mean) / sd : 0.0;
      if (reaches(std::fabs(z), t_.anomaly_zscore))
        emit(events, event_type::anomaly, std::fabs(z), "return z-score %.1f (return %.4f%%)", z,
             ret * 100);
    }
    ++s.n_returns;
    double d = ret - s.ret_mean;
    s.ret_mean += d / s.n_returns;
    s.ret_m2 += d * (ret - s.ret_mean);
    s.sq_returns.emplace_back(t.ts, ret * ret);
    s.sq_sum += ret * ret;
  }
  while (!s.sq_returns.empty() && s.sq_returns.front().first <= t.ts - t_.volatility_window_ms) {
    s.sq_sum -= s.sq_returns.front().second;
    s.sq_returns.pop_front();
  }
  if (s.sq_returns.empty()) s.sq_sum = 0;  // no drift from repeated subtraction
  double vol = std::sqrt(std::max(s.sq_sum, 0.0)) * 100.0;
  bool above = reaches(vol, t_.volatility_threshold_pct);
  if (above && !s.high_vol)
    emit(events, event_type::high_volatility, vol, "realised volatility %.3f%% >= %.3f%%", vol,
         t_.volatility_threshold_pct);
  s.high_vol = above;

  // 3. Volume against the minute average (needs 5 completed minutes of history).
  double volume_ratio = k_absent;
  if (s.minutes_seen >= 5 && s.volume_avg > 0) {
    volume_ratio = s.minute_volume / s.volume_avg;
    if (!s.vol_anomaly_fired && reaches(volume_ratio, t_.anomaly_volume_multiplier)) {
      s.vol_anomaly_fired = s.spike_fired = true;
      emit(events, event_type::anomaly, volume_ratio, "minute volume %.1fx average (>= %.1fx)",
           volume_ratio, t_.anomaly_volume_multiplier);
    } else if (!s.spike_fired && reaches(volume_ratio, t_.volume_spike_multiplier)) {
      s.spike_fired = true;
      emit(events, event_type::volume_spike, volume_ratio, "minute volume %.2fx average (>= %.2fx)",
           volume_ratio, t_.volume_spike_multiplier);
    }
  }

  // 4. Support and resistance: levels from minutes at least sr_min_age old.
  if (s.levels_minute != minute || s.levels_gen != thresholds_gen_) {
    std::tie(s.levels_sup, s.levels_res) = levels(s, minute);
    s.levels_minute = minute;
    s.levels_gen = thresholds_gen_;
  }
  const double sup = s.levels_sup, res = s.levels_res;
  // A break fires beyond the level by sr_break_pct once the direction's cooldown has passed:
  // a breakout that holds beyond a level rising with it is a new break every cooldown.
  if (present(res) && t.price > res * (1 + t_.sr_break_pct / 100) &&
      t.ts - s.last_resistance_break >= t_.sr_cooldown_ms) {
    emit(events, event_type::resistance_break, (t.price / res - 1) * 100,
         "price %.4f broke resistance %.4f", t.price, res);
    s.last_resistance_break = t.ts;
  }
  if (present(sup) && t.price < sup * (1 - t_.sr_break_pct / 100) &&
      t.ts - s.last_support_break >= t_.sr_cooldown_ms) {
    emit(events, event_type::support_break, (1 - t.price / sup) * 100,
         "price %.4f broke support %.4f", t.price, sup);
    s.last_support_break = t.ts;
  }

  // 5. Supplied RSI crossings (when the producer computes RSI itself).
  if (present(t.rsi)) {
    if (present(s.supplied_rsi_prev)) rsi_signal(s.supplied_cross, s.supplied_rsi_prev, t.rsi, events);
    s.supplied_rsi_prev = t.rsi;
  }

  // 6. Price change from the anchor.
  if (!present(s.anchor_price)) s.anchor_price = t.price;
  double move_pct = (t.price / s.anchor_price - 1.0) * 100.0;
  if (reaches(std::fabs(move_pct), t_.price_change_pct)) {
    emit(events, event_type::price_change, std::fabs(move_pct), "price moved %.3f%% from %.4f",
         move_pct, s.anchor_price);
    s.anchor_price = t.price;
  }

  // 7. The market watch: HIGH events for surges, sharp moves, spreads and volatility jumps.
  watch_tick(t_.watch, s.watch, t, events);

  if (events.empty()) events.push_back({static_cast<uint8_t>(event_type::price_update),
                                        static_cast<uint8_t>(priority::low), 0, "tick"});
  // Highest priority first, in the order emitted among equals: an insertion sort (stable, and
  // a tick has a handful of events; std::stable_sort allocates a buffer on every call).
  for (size_t i = 1; i < events.size(); ++i)
    for (size_t j = i; j > 0 && events[j - 1].prio < events[j].prio; --j) std::swap(events[j - 1], events[j]);

  s.last_price = t.price;
  snap = snapshot{};
  snap.price = t.price;
  snap.ret_pct = ret * 100;
  snap.move_pct = move_pct;
  snap.volatility_pct = s.n_returns > 0 ? vol : k_absent;
  snap.volume_ratio = volume_ratio;
  if (s.minute_vols.size() >= 30 && s.n_returns > 0) {
    size_t below = 0;
    for (double v : s.minute_vols) below += v < vol;
    snap.volatility_rank = 100.0 * static_cast<double>(below) / static_cast<double>(s.minute_vols.size());
  }
  snap.rsi = present(t.rsi) ? t.rsi : s.rsi;
  snap.macd = present(t.macd) ? t.macd
              : (s.minutes_seen >= 26 ? s.ema_fast - s.ema_slow : k_absent);
  snap.iv = t.iv;
  snap.days_to_expiry = t.days_to_expiry;
  const double atr = s.bars.atr();
  snap.atr_pct = present(atr) ? atr / t.price * 100 : k_absent;
  snap.adx = s.bars.adx();
  snap.di_spread = s.bars.di_spread();
  snap.bb_position = s.bars.bollinger_position(t.price);
  snap.support = sup;
  snap.resistance = res;
  if (present(t.bid) && present(t.ask) && t.bid > 0 && t.ask >= t.bid)
    snap.spread_bps = (t.ask - t.bid) / ((t.ask + t.bid) / 2) * 1e4;
  s.last_snap = snap;
}

void prioritise_policy::outside(const outside_event& e, tick& t, snapshot& snap,
                                std::vector<market_event>& events) const {
  t.symbol = e.symbol;
  t.ts = e.ts;
  auto it = states_.find(e.symbol);
  if (it != states_.end() && it->second.last_snap.price > 0) {
    snap = it->second.last_snap;
  } else {
    snap = snapshot{};
    // Restored or never traded here: what is known of the price (none: 0, "not known").
    snap.price = it != states_.end() && present(it->second.last_price) ? it->second.last_price : 0;
  }
  if (present(e.price)) {
    snap.price = e.price;
    snap.ret_pct = snap.move_pct = 0;
  }
  t.price = snap.price;
  events.clear();
  market_event m;
  m.type = e.type;
  m.prio = e.prio;
  m.magnitude = present(e.value) ? e.value : 0;
  m.reason = e.text;
  m.ref = e.correlation_id;
  m.max_age_ms = e.max_age_ms;
  events.push_back(std::move(m));
}

std::vector<std::string> prioritise_policy::idle_symbols(int64_t before_ts) const {
  std::vector<std::string> out;
  for (auto& [symbol, s] : states_)
    if (s.minute >= 0 && (s.minute + 1) * k_minute_ms <= before_ts) out.push_back(symbol);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace tickgate
