#include "actors/ingest/event_merge.hpp"

#include <algorithm>

namespace tickgate {

void event_merge::add_event(int32_t partition, outside_event e, int64_t wall_ms) {
  auto& evs = parts_[partition].events;
  const int64_t ts = e.ts;
  auto at = std::upper_bound(evs.begin(), evs.end(), ts,
                             [](int64_t t, const waiting_event& w) { return t < w.e.ts; });
  evs.insert(at, waiting_event{std::move(e), wall_ms});
}

size_t event_merge::held() const {
  size_t n = 0;
  for (auto& [p, s] : parts_) n += s.ticks.size() + s.events.size();
  return n;
}

bool event_merge::waiting_for_events() const {
  for (auto& [p, s] : parts_)
    if (!s.ticks.empty() && s.events.empty() && !s.events_caught_up) return true;
  return false;
}

}  // namespace tickgate
