#include "backtest/coverage.hpp"

#include <algorithm>
#include <cmath>

namespace tickgate {

int64_t nearest_rank(const std::vector<int64_t>& sorted, double pct) {
  if (sorted.empty()) return -1;
  auto rank = static_cast<size_t>(std::ceil(pct / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

coverage_figures measure_coverage(const std::vector<significant_event>& events,
                                  const analysis_times& fresh, int64_t window_ms) {
  coverage_figures c;
  std::vector<int64_t> delays;
  for (auto& k : significant_kinds()) c.by_kind[k] = {0, 0};
  for (size_t i = 0; i < events.size(); ++i) {
    auto& e = events[i];
    ++c.events;
    auto& kind = c.by_kind[e.kind];
    ++kind.first;
    auto it = fresh.find(e.symbol);
    auto first = it == fresh.end() ? std::vector<int64_t>::const_iterator{}
                                   : std::lower_bound(it->second.begin(), it->second.end(), e.ts);
    if (it == fresh.end() || first == it->second.end() || *first - e.ts > window_ms) {
      c.missed.push_back(i);
      continue;
    }
    ++c.covered;
    ++kind.second;
    delays.push_back(*first - e.ts);
  }
  std::sort(delays.begin(), delays.end());
  c.delay_p50_ms = nearest_rank(delays, 50);
  c.delay_p95_ms = nearest_rank(delays, 95);
  return c;
}

analysis_times naive_calls(const std::vector<tick>& ticks, int64_t interval_ms) {
  analysis_times out;
  std::unordered_map<std::string, int64_t> bucket;
  for (auto& t : ticks) {
    auto& v = out[t.symbol];
    if (interval_ms > 0) {
      auto [it, fresh] = bucket.try_emplace(t.symbol, t.ts / interval_ms);
      if (!fresh && it->second == t.ts / interval_ms) continue;
      it->second = t.ts / interval_ms;
    }
    v.push_back(t.ts);
  }
  for (auto& [s, v] : out) std::sort(v.begin(), v.end());
  return out;
}

}  // namespace tickgate
