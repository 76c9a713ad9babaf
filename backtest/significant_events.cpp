#include "backtest/significant_events.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "common/window_stats.hpp"

namespace tickgate {
namespace {
enum kind_index { k_move = 0, k_volume = 1, k_vol = 2, k_sr = 3, k_spread = 4 };

std::string fmt(const char* f, double a, double b) {
  char buf[128];
  std::snprintf(buf, sizeof buf, f, a, b);
  return buf;
}

}  // namespace

const std::vector<std::string>& significant_kinds() {
  static const std::vector<std::string> k{"price_move", "volume_spike", "volatility_jump", "sr_break",
                                          "spread_blowout"};
  return k;
}

int significance_detector::kind_of(const std::string& kind) {
  if (kind.empty()) return -1;
  const auto& k = significant_kinds();
  for (size_t i = 0; i < k.size(); ++i)
    if (k[i] == kind) return static_cast<int>(i);
  throw std::invalid_argument("significance: unknown kind " + kind);
}

void significance_detector::observe_spread(series& s, const tick& t, std::vector<significant_event>& out) {
  if (!present(t.bid) || !present(t.ask) || !(t.bid > 0) || !(t.ask >= t.bid)) return;
  const double spread = t.ask - t.bid;
  s.spreads.drop_before(t.ts - cfg_.spread_window_ms);
  if (s.spreads.size() >= 20 && t.ts - s.first_ts >= cfg_.spread_window_ms / 2) {
    const double median = s.spreads.median();
    if (median > 0 && spread >= cfg_.spread_factor * median && cooled(s, k_spread, t.ts))
      out.push_back({t.symbol, t.ts, "spread_blowout", t.price,
                     fmt("spread %.6g vs median %.6g", spread, median)});
  }
  s.spreads.add(t.ts, spread);
}

bool significance_detector::cooled(series& s, int kind, int64_t ts) {
  if (s.last_event[kind] != INT64_MIN && ts - s.last_event[kind] < cfg_.cooldown_ms) return false;
  s.last_event[kind] = ts;
  return true;
}

void significance_detector::close_minute(series& s, const tick& t,
                                         std::vector<significant_event>& out) {
  // The minute that just ended, then empty minutes up to the current one.
  const int64_t now_minute = t.ts / 60'000;
  const int64_t gap = std::min<int64_t>(now_minute - s.minute - 1, cfg_.volume_avg_minutes);
  s.volumes.push_back(s.minute_volume);
  for (int64_t i = 0; i < gap; ++i) s.volumes.push_back(0);
  while (static_cast<int32_t>(s.volumes.size()) > cfg_.volume_avg_minutes) s.volumes.pop_front();
  const auto w = static_cast<size_t>(cfg_.vol_window_minutes);
  if (s.prev_close > 0 && gap == 0) {
    s.returns.push_back(std::log(s.minute_close / s.prev_close));
    while (s.returns.size() > 2 * w) s.returns.pop_front();
    if (s.returns.size() == 2 * w) {
      const double before = sample_stdev(s.returns.begin(), s.returns.begin() + static_cast<long>(w));
      const double recent = sample_stdev(s.returns.begin() + static_cast<long>(w), s.returns.end());
      if (judged(k_vol) && before > 0 && recent >= cfg_.vol_jump_factor * before &&
          cooled(s, k_vol, t.ts))
        out.push_back({t.symbol, t.ts, "volatility_jump", t.price,
                       fmt("1-min return stdev %.3g%% vs %.3g%% before", recent * 100, before * 100)});
    }
  } else if (gap > 0) {
    s.returns.clear();  // a hole in the minutes: returns start again
  }
  s.prev_close = s.minute_close;
}

void significance_detector::observe(const tick& t, std::vector<significant_event>& out) {
  auto& s = by_symbol_[t.symbol];
  if (s.first_ts == INT64_MIN) s.first_ts = t.ts;
  const double p = t.price;

  // Price move: this % above the window's low or below its high.
  if (judged(k_move)) {
    evict_before(s.move_min, t.ts - cfg_.move_window_ms);
    evict_before(s.move_max, t.ts - cfg_.move_window_ms);
    if (!s.move_min.empty()) {
      const double lo = s.move_min.front().second, hi = s.move_max.front().second;
      const double up = (p / lo - 1) * 100, down = (1 - p / hi) * 100;
      if ((up >= cfg_.move_pct || down >= cfg_.move_pct) && cooled(s, k_move, t.ts))
        out.push_back({t.symbol, t.ts, "price_move", p,
                       up >= down ? fmt("+%.2f%% from the window low %.6g", up, lo)
                                  : fmt("-%.2f%% from the window high %.6g", down, hi)});
    }
    push_monotonic(s.move_min, t.ts, p, [](double a, double b) { return a < b; });
    push_monotonic(s.move_max, t.ts, p, [](double a, double b) { return a > b; });
  }

  // Support / resistance: the aged window's low / high, once a whole window has been seen.
  if (judged(k_sr)) {
    while (!s.young.empty() && s.young.front().first <= t.ts - cfg_.sr_min_age_ms) {
      auto [ts, price] = s.young.front();
      s.young.pop_front();
      push_monotonic(s.aged_min, ts, price, [](double a, double b) { return a < b; });
      push_monotonic(s.aged_max, ts, price, [](double a, double b) { return a > b; });
    }
    evict_before(s.aged_min, t.ts - cfg_.sr_window_ms);
    evict_before(s.aged_max, t.ts - cfg_.sr_window_ms);
    if (t.ts - s.first_ts >= cfg_.sr_window_ms && !s.aged_min.empty()) {
      const double support = s.aged_min.front().second, resistance = s.aged_max.front().second;
      const double m = cfg_.sr_margin_pct / 100;
      if ((p > resistance * (1 + m) || p < support * (1 - m)) && cooled(s, k_sr, t.ts))
        out.push_back({t.symbol, t.ts, "sr_break", p,
                       p > resistance ? fmt("above resistance %.6g (support %.6g)", resistance, support)
                                      : fmt("below support %.6g (resistance %.6g)", support, resistance)});
    }
    s.young.emplace_back(t.ts, p);
  }
  if (judged(k_spread)) observe_spread(s, t, out);

  // One-minute bars: volume spikes within the minute, volatility at each minute's close.
  const int64_t minute = t.ts / 60'000;
  if (minute != s.minute) {
    if (s.minute != INT64_MIN) close_minute(s, t, out);
    s.minute = minute;
    s.minute_volume = 0;
    s.spike_this_minute = false;
  }
  s.minute_close = p;
  if (present(t.volume)) {
    s.minute_volume += t.volume;
    if (judged(k_volume) && !s.spike_this_minute && static_cast<int32_t>(s.volumes.size()) == cfg_.volume_avg_minutes) {
      double mean = 0;
      for (double v : s.volumes) mean += v;
      mean /= static_cast<double>(s.volumes.size());
      if (mean > 0 && s.minute_volume >= cfg_.volume_multiplier * mean) {
        s.spike_this_minute = true;
        if (cooled(s, k_volume, t.ts))
          out.push_back({t.symbol, t.ts, "volume_spike", p,
                         fmt("minute volume %.6g vs mean %.6g", s.minute_volume, mean)});
      }
    }
  }
}

}  // namespace tickgate
