#include "actors/ingest/event_merge.hpp"

#include <algorithm>

#include "messages/market_event.hpp"

namespace tickgate {

void event_merge::add_event(int32_t partition, outside_event e, int64_t wall_ms, int64_t wait_ms) {
  auto& part = parts_[partition];
  auto& evs = part.events;
  const int64_t ts = e.ts;
  const uint8_t side = side_bit(e.type == static_cast<uint8_t>(event_type::on_demand) ? input_kind::requests
                                                                                        : input_kind::events);
  ++part.held_of[bit_index(side)];
  auto at = std::upper_bound(evs.begin(), evs.end(), ts,
                             [](int64_t t, const waiting_event& w) { return t < w.e.ts; });
  evs.insert(at, waiting_event{std::move(e), wall_ms, wait_ms < 0 ? max_wait_ms_ : wait_ms, side});
}

size_t event_merge::held() const {
  size_t n = 0;
  for (auto& [p, s] : parts_) n += s.ticks.size() + s.events.size();
  return n;
}

void event_merge::caught_up(int32_t partition, input_kind in, bool yes) {
  auto& c = parts_[partition].caught_up;
  c = yes ? static_cast<uint8_t>(c | side_bit(in)) : static_cast<uint8_t>(c & ~side_bit(in));
}

bool event_merge::waiting_for(input_kind in) const {
  const auto b = bit_index(side_bit(in));
  for (auto& [p, s] : parts_)
    if (!s.ticks.empty() && (sides_ >> b & 1u) && !(s.caught_up >> b & 1u) && s.held_of[b] == 0) return true;
  return false;
}

}  // namespace tickgate
