// Checkpoints of the prioritise stage's per-symbol state (the changelog's first section).
#include "actors/prioritise/prioritise_policy.hpp"
#include "common/state_codec.hpp"

namespace tickgate {
namespace {

constexpr uint8_t k_version = 2;  // 2: the market watch's state follows, no break re-arm flags;
                                   // 1 read with a cold watch

template <class T, class Fn>
void save_deque(state_writer& w, const std::deque<T>& d, Fn&& each) {
  w.i64(static_cast<int64_t>(d.size()));
  for (auto& x : d) each(x);
}

}  // namespace

void bar_indicators::save(state_writer& w) const {
  w.boolean(have_prev_);
  w.f64(prev_high_);
  w.f64(prev_low_);
  w.f64(prev_close_);
  w.i64(bars_);
  w.f64(tr_s_);
  w.f64(plus_s_);
  w.f64(minus_s_);
  w.i64(dx_count_);
  w.f64(dx_sum_);
  w.f64(adx_);
  save_deque(w, closes_, [&](double c) { w.f64(c); });
}

void bar_indicators::load(state_reader& r) {
  have_prev_ = r.boolean();
  prev_high_ = r.f64();
  prev_low_ = r.f64();
  prev_close_ = r.f64();
  bars_ = static_cast<int>(r.i64());
  tr_s_ = r.f64();
  plus_s_ = r.f64();
  minus_s_ = r.f64();
  dx_count_ = static_cast<int>(r.i64());
  dx_sum_ = r.f64();
  adx_ = r.f64();
  closes_.clear();
  for (size_t n = r.count(8); n > 0; --n) closes_.push_back(r.f64());
}

std::string prioritise_policy::save(const std::string& symbol) const {
  auto it = states_.find(symbol);
  if (it == states_.end()) return {};
  const symbol_state& s = it->second;
  state_writer w;
  w.u8(k_version);
  w.f64(s.last_price);
  w.f64(s.anchor_price);
  w.i64(s.n_returns);
  w.f64(s.ret_mean);
  w.f64(s.ret_m2);
  save_deque(w, s.sq_returns, [&](const std::pair<int64_t, double>& x) {
    w.i64(x.first);
    w.f64(x.second);
  });
  w.f64(s.sq_sum);
  w.boolean(s.high_vol);
  save_deque(w, s.minute_vols, [&](double v) { w.f64(v); });
  w.i64(s.minute);
  w.f64(s.minute_volume);
  w.f64(s.minute_high);
  w.f64(s.minute_low);
  w.f64(s.minute_close);
  w.boolean(s.spike_fired);
  w.boolean(s.vol_anomaly_fired);
  w.f64(s.volume_avg);
  w.i64(s.minutes_seen);
  w.f64(s.prev_close);
  w.f64(s.avg_gain);
  w.f64(s.avg_loss);
  w.i64(s.rsi_samples);
  w.f64(s.rsi);
  w.f64(s.prev_rsi);
  s.bars.save(w);
  w.f64(s.ema_fast);
  w.f64(s.ema_slow);
  save_deque(w, s.minutes, [&](const std::tuple<int64_t, double, double>& m) {
    w.i64(std::get<0>(m));
    w.f64(std::get<1>(m));
    w.f64(std::get<2>(m));
  });
  w.i64(s.last_resistance_break);
  w.i64(s.last_support_break);
  w.f64(s.supplied_rsi_prev);
  for (auto* c : {&s.computed_cross, &s.supplied_cross}) {
    w.boolean(c->up_armed);
    w.boolean(c->down_armed);
  }
  s.watch.save(w);
  return std::move(w.bytes());
}

void prioritise_policy::load(const std::string& symbol, std::string_view bytes) {
  if (bytes.empty()) {
    states_.erase(symbol);
    return;
  }
  state_reader r(bytes);
  const uint8_t version = r.u8();
  if (version != k_version && version != 1) throw state_decode_error("state: unknown prioritise version");
  symbol_state s;
  s.last_price = r.f64();
  s.anchor_price = r.f64();
  s.n_returns = r.i64();
  s.ret_mean = r.f64();
  s.ret_m2 = r.f64();
  for (size_t n = r.count(16); n > 0; --n) {
    const int64_t ts = r.i64();
    s.sq_returns.emplace_back(ts, r.f64());
  }
  s.sq_sum = r.f64();
  s.high_vol = r.boolean();
  for (size_t n = r.count(8); n > 0; --n) s.minute_vols.push_back(r.f64());
  s.minute = r.i64();
  s.minute_volume = r.f64();
  s.minute_high = r.f64();
  s.minute_low = r.f64();
  s.minute_close = r.f64();
  s.spike_fired = r.boolean();
  s.vol_anomaly_fired = r.boolean();
  s.volume_avg = r.f64();
  s.minutes_seen = r.i64();
  s.prev_close = r.f64();
  s.avg_gain = r.f64();
  s.avg_loss = r.f64();
  s.rsi_samples = r.i64();
  s.rsi = r.f64();
  s.prev_rsi = r.f64();
  s.bars.load(r);
  s.ema_fast = r.f64();
  s.ema_slow = r.f64();
  for (size_t n = r.count(24); n > 0; --n) {
    const int64_t m = r.i64();
    const double hi = r.f64();
    s.minutes.emplace_back(m, hi, r.f64());
  }
  if (version == 1) {  // the re-arm flags of version 1 breaks, no longer used
    r.boolean();
    r.boolean();
  }
  s.last_resistance_break = r.i64();
  s.last_support_break = r.i64();
  s.supplied_rsi_prev = r.f64();
  if (version >= 2) {
    for (auto* c : {&s.computed_cross, &s.supplied_cross}) {
      c->up_armed = r.boolean();
      c->down_armed = r.boolean();
    }
    s.watch.load(r);
  }
  if (!r.done()) throw state_decode_error("state: trailing bytes in prioritise state");
  states_[symbol] = std::move(s);
}

}  // namespace tickgate
