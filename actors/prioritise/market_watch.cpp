#include "actors/prioritise/market_watch.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common/state_codec.hpp"
#include "common/window_stats.hpp"

namespace tickgate {
namespace {

constexpr int64_t k_minute_ms = 60'000;
constexpr int64_t k_spread_sample_ms = 1'000;
constexpr size_t k_max_spread_samples = 4096;
constexpr event_type k_types[watch_state::k_kinds] = {
    event_type::sharp_move, event_type::volume_surge, event_type::spread_blowout,
    event_type::volatility_jump};
enum kind : int { k_move = 0, k_volume = 1, k_spread = 2, k_vol = 3 };

void trigger(watch_state& s, int k, double magnitude, const char* fmt, double a, double b) {
  auto& e = s.emits[k];
  e.pending = true;
  if (magnitude < e.magnitude) return;
  char buf[128];
  std::snprintf(buf, sizeof buf, fmt, a, b);
  e.magnitude = magnitude;
  e.reason = buf;
}

// The first entry at or after `oldest` of a monotonic deque is the extreme of that suffix.
double suffix_extreme(const timed_values& q, int64_t oldest) {
  auto it = std::lower_bound(q.begin(), q.end(), oldest,
                             [](const std::pair<int64_t, double>& e, int64_t ts) { return e.first < ts; });
  return it == q.end() ? k_absent : it->second;
}

void watch_moves(const watch_config& c, watch_state& s, const tick& t) {
  const size_t n = c.move_windows_ms.size();
  if (n == 0) return;
  if (s.move.size() != 2 * n) s.move.assign(2 * n, level_trigger{});
  const int64_t longest = c.move_windows_ms.back();
  evict_before(s.lows, t.ts - longest);
  evict_before(s.highs, t.ts - longest);
  const double p = t.price;
  for (size_t i = 0; i < n; ++i) {
    const int64_t w = c.move_windows_ms[i];
    const double lo = suffix_extreme(s.lows, t.ts - w), hi = suffix_extreme(s.highs, t.ts - w);
    if (!present(lo)) continue;
    const double up = (p / lo - 1) * 100, down = (1 - p / hi) * 100;
    if (s.move[2 * i].step(up, t.ts, c, c.move_pct))
      trigger(s, k_move, up, "price +%.2f%% over %.0f s", up, static_cast<double>(w) / 1000);
    if (s.move[2 * i + 1].step(down, t.ts, c, c.move_pct))
      trigger(s, k_move, down, "price -%.2f%% over %.0f s", down, static_cast<double>(w) / 1000);
  }
  push_monotonic(s.lows, t.ts, p, [](double a, double b) { return a < b; });
  push_monotonic(s.highs, t.ts, p, [](double a, double b) { return a > b; });
}

// Closes the minute(s) before `minute`: volume history, the window means, returns and the
// volatility jump judged on them.
void roll_minute(const watch_config& c, watch_state& s, int64_t minute, int64_t ts) {
  const size_t longest = c.volume_windows_min.empty()
                             ? 0 : static_cast<size_t>(c.volume_windows_min.back());
  const int64_t gap = std::min<int64_t>(minute - s.minute - 1, static_cast<int64_t>(longest) + 1);
  s.volumes.push_back(s.minute_volume);
  for (int64_t i = 0; i < gap; ++i) s.volumes.push_back(0);
  while (s.volumes.size() > longest) s.volumes.pop_front();
  const size_t n = c.volume_windows_min.size();
  s.volume_means.assign(n, 0);
  s.volume.assign(n, level_trigger{});  // every minute re-arms: a surge that goes on fires again
  double sum = 0;
  size_t taken = 0, w = 0;
  for (auto it = s.volumes.rbegin(); it != s.volumes.rend() && w < n; ++it) {
    sum += *it;
    if (++taken == static_cast<size_t>(c.volume_windows_min[w])) s.volume_means[w++] = sum / static_cast<double>(taken);
  }
  s.minute_volume = 0;

  const auto vw = static_cast<size_t>(c.vol_window_minutes);
  if (s.prev_close > 0 && gap == 0 && s.minute_close > 0) {
    s.returns.push_back(std::log(s.minute_close / s.prev_close));
    while (s.returns.size() > 2 * vw) s.returns.pop_front();
    if (s.returns.size() == 2 * vw) {
      const auto mid = s.returns.begin() + static_cast<long>(vw);
      const double before = sample_stdev(s.returns.begin(), mid), recent = sample_stdev(mid, s.returns.end());
      if (before > 0 && s.vol_jump.step(recent / before, ts, c, c.vol_jump_factor))
        trigger(s, k_vol, recent / before, "1-min return stdev %.2fx the %.0f min before", recent / before,
                static_cast<double>(vw));
    }
  } else if (gap > 0) {
    s.returns.clear();  // a hole in the minutes: returns start again
  }
  s.prev_close = s.minute_close;
}

void watch_spread(const watch_config& c, watch_state& s, const tick& t) {
  if (!present(t.bid) || !present(t.ask) || !(t.bid > 0) || !(t.ask >= t.bid)) return;
  const double spread = t.ask - t.bid;
  s.spreads.drop_before(t.ts - c.spread_window_ms);
  if (s.spreads.size() >= static_cast<size_t>(c.spread_min_samples)) {
    const double median = s.spreads.median();
    if (median > 0 && s.spread.step(spread / median, t.ts, c, c.spread_ratio))
      trigger(s, k_spread, spread / median, "spread %.2fx its median (%.6g)", spread / median, median);
  }
  if (s.spreads.empty() || t.ts - s.spreads.newest_ts() >= k_spread_sample_ms) {
    if (s.spreads.size() >= k_max_spread_samples) s.spreads.drop_oldest();
    s.spreads.add(t.ts, spread);
  }
}

}  // namespace

void watch_tick(const watch_config& c, watch_state& s, const tick& t,
                std::vector<market_event>& out) {
  if (!c.enabled) return;
  watch_moves(c, s, t);

  const int64_t minute = floor_div(t.ts, k_minute_ms);
  if (s.minute == INT64_MIN) s.minute = minute;
  if (minute > s.minute) {
    roll_minute(c, s, minute, t.ts);
    s.minute = minute;
  }
  s.minute_close = t.price;
  if (present(t.volume)) {
    s.minute_volume += t.volume;
    for (size_t w = 0; w < s.volume_means.size() && w < s.volume.size(); ++w) {
      if (!(s.volume_means[w] > 0)) continue;
      const double ratio = s.minute_volume / s.volume_means[w];
      if (s.volume[w].step(ratio, t.ts, c, c.volume_ratio))
        trigger(s, k_volume, ratio, "minute volume %.2fx the mean of the %.0f minutes before", ratio,
                static_cast<double>(c.volume_windows_min[w]));
    }
  }
  watch_spread(c, s, t);

  for (int k = 0; k < watch_state::k_kinds; ++k) {
    auto& e = s.emits[k];
    if (!e.pending || t.ts - e.last < c.follow_up_ms) continue;
    out.push_back({static_cast<uint8_t>(k_types[k]), static_cast<uint8_t>(priority_of(k_types[k])),
                   e.magnitude, std::move(e.reason)});
    e = {t.ts, false, 0, {}};
  }
}

// The checkpoint: every field in declaration order (prioritise state version 2).
void watch_state::save(state_writer& w) const {
  auto pairs = [&](const timed_values& q) {
    w.i64(static_cast<int64_t>(q.size()));
    for (auto& [ts, v] : q) {
      w.i64(ts);
      w.f64(v);
    }
  };
  auto doubles = [&](const auto& v) {
    w.i64(static_cast<int64_t>(v.size()));
    for (double x : v) w.f64(x);
  };
  auto trig = [&](const level_trigger& t) {
    w.f64(t.next);
    w.i64(t.fired_ts);
  };
  auto trigs = [&](const std::vector<level_trigger>& v) {
    w.i64(static_cast<int64_t>(v.size()));
    for (auto& t : v) trig(t);
  };
  pairs(lows);
  pairs(highs);
  trigs(move);
  w.i64(minute);
  w.f64(minute_volume);
  w.f64(minute_close);
  w.f64(prev_close);
  doubles(volumes);
  doubles(volume_means);
  trigs(volume);
  pairs(spreads.samples());
  trig(spread);
  doubles(returns);
  trig(vol_jump);
  for (auto& e : emits) {
    w.i64(e.last);
    w.boolean(e.pending);
    w.f64(e.magnitude);
    w.str(e.reason);
  }
}

void watch_state::load(state_reader& r) {
  auto pairs = [&] {
    timed_values q;
    for (size_t n = r.count(16); n > 0; --n) {
      const int64_t ts = r.i64();
      q.emplace_back(ts, r.f64());
    }
    return q;
  };
  auto doubles = [&](auto& v) {
    v.clear();
    for (size_t n = r.count(8); n > 0; --n) v.push_back(r.f64());
  };
  auto trig = [&](level_trigger& t) {
    t.next = r.f64();
    t.fired_ts = r.i64();
  };
  auto trigs = [&](std::vector<level_trigger>& v) {
    v.assign(r.count(16), level_trigger{});
    for (auto& t : v) trig(t);
  };
  lows = pairs();
  highs = pairs();
  trigs(move);
  minute = r.i64();
  minute_volume = r.f64();
  minute_close = r.f64();
  prev_close = r.f64();
  doubles(volumes);
  doubles(volume_means);
  trigs(volume);
  spreads.restore(pairs());
  trig(spread);
  doubles(returns);
  trig(vol_jump);
  for (auto& e : emits) {
    e.last = r.i64();
    e.pending = r.boolean();
    e.magnitude = r.f64();
    e.reason = std::string(r.str());
  }
}

}  // namespace tickgate
