#pragma once
// Coverage of significant events by fresh analyses, and the naive strategies' call timelines.
// Pure: inputs are event-time stamps, so the same input always gives the same figures.
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "backtest/significant_events.hpp"

namespace tickgate {

/// Per symbol, the event times at which a fresh analysis of it exists, ascending.
using analysis_times = std::unordered_map<std::string, std::vector<int64_t>>;

struct coverage_figures {
  int64_t events = 0;
  int64_t covered = 0;
  int64_t delay_p50_ms = -1;  // over covered events; -1 when none is covered
  int64_t delay_p95_ms = -1;
  std::map<std::string, std::pair<int64_t, int64_t>> by_kind;  // kind -> (events, covered)
  std::vector<size_t> missed;  // indices of the events not covered, ascending
  double share_pct() const {
    return events ? 100.0 * static_cast<double>(covered) / static_cast<double>(events) : 100.0;
  }
};

/// An event is covered when a fresh analysis of its symbol has an event time in
/// [event.ts, event.ts + window_ms]; its reaction delay is the first such time minus event.ts.
coverage_figures measure_coverage(const std::vector<significant_event>& events,
                                  const analysis_times& fresh, int64_t window_ms);

/// Nearest-rank percentile of ascending `sorted` (pct in (0, 100]); -1 when empty.
int64_t nearest_rank(const std::vector<int64_t>& sorted, double pct);

/// A naive strategy's calls per symbol: every tick (interval_ms == 0), or the first tick of each
/// interval_ms bucket of event time (a fixed timer per agent that fires on the next tick).
analysis_times naive_calls(const std::vector<tick>& ticks, int64_t interval_ms);

}  // namespace tickgate
