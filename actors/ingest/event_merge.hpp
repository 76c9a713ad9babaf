#pragma once
// Ingest policy, pure: merges a partition of market.events into the same partition of
// market.ticks by event time (the topics are co-partitioned: same key, same partition count),
// so that an outside event meets the symbol's state as of its own time, and a replay of the
// same topics merges them the same way.
//
// Per partition: a tick goes once every event before it is known, that is once the events
// partition has been read to its end, or an event later than the tick is already here. An
// event goes before the first tick later than it; one older than what its partition has
// already released (late) goes at once; one ahead of every tick goes when the tick partition
// is caught up and the event has waited max_wait (a quiet market must not hold a signal), or
// at the end of the input.
#include <cstdint>
#include <deque>
#include <map>
#include <set>

#include "messages/outside_event.hpp"
#include "messages/tick.hpp"

namespace tickgate {

class event_merge {
 public:
  explicit event_merge(int64_t max_wait_ms) : max_wait_ms_(max_wait_ms) {}

  void add_tick(int32_t partition, tick t) { parts_[partition].ticks.push_back(std::move(t)); }
  /// Events are kept in event-time order (stable: equal times keep their offset order).
  void add_event(int32_t partition, outside_event e, int64_t wall_ms);
  /// The events partition was read to its end (true) or has records again (false).
  void events_caught_up(int32_t partition, bool yes) { parts_[partition].events_caught_up = yes; }

  /// Releases what may go of `partition`, in order, to on_tick(tick&&) / on_event(event&&).
  /// ticks_at_eof: the tick partition is read to its end; flush: the input ends, all goes.
  template <class OnTick, class OnEvent>
  void release(int32_t partition, int64_t wall_ms, bool ticks_at_eof, bool flush,
               OnTick&& on_tick, OnEvent&& on_event);
  /// Calls release for every partition holding something.
  template <class OnTick, class OnEvent>
  void release_all(int64_t wall_ms, const std::set<int32_t>& ticks_at_eof, bool flush,
                   OnTick&& on_tick, OnEvent&& on_event);

  /// A partition left this instance: what it holds is dropped (re-delivered to the next owner).
  void drop(int32_t partition) { parts_.erase(partition); }
  /// Ticks and events held, over all partitions.
  size_t held() const;
  /// Some partition holds ticks only because its events are not read to their end yet.
  bool waiting_for_events() const;

 private:
  struct waiting_event {
    outside_event e;
    int64_t arrived_wall_ms = 0;
  };
  struct partition_state {
    std::deque<tick> ticks;
    std::deque<waiting_event> events;
    bool events_caught_up = false;
    int64_t released_ts = INT64_MIN;  // event time of the latest record released
  };
  int64_t max_wait_ms_;
  std::map<int32_t, partition_state> parts_;
};

template <class OnTick, class OnEvent>
void event_merge::release(int32_t partition, int64_t wall_ms, bool ticks_at_eof, bool flush,
                          OnTick&& on_tick, OnEvent&& on_event) {
  auto it = parts_.find(partition);
  if (it == parts_.end()) return;
  auto& p = it->second;
  auto emit_tick = [&] {
    p.released_ts = std::max(p.released_ts, p.ticks.front().ts);
    on_tick(std::move(p.ticks.front()));
    p.ticks.pop_front();
  };
  auto emit_event = [&] {
    p.released_ts = std::max(p.released_ts, p.events.front().e.ts);
    on_event(std::move(p.events.front().e));
    p.events.pop_front();
  };
  for (;;) {
    const bool has_tick = !p.ticks.empty();
    const bool has_event = !p.events.empty();
    if (has_event && (p.events.front().e.ts <= p.released_ts ||
                      (has_tick && p.events.front().e.ts <= p.ticks.front().ts))) {
      emit_event();
    } else if (has_tick && (has_event || p.events_caught_up || flush)) {
      emit_tick();
    } else if (has_event && !has_tick &&
               (flush || (ticks_at_eof && wall_ms - p.events.front().arrived_wall_ms >= max_wait_ms_))) {
      emit_event();
    } else {
      break;
    }
  }
}

template <class OnTick, class OnEvent>
void event_merge::release_all(int64_t wall_ms, const std::set<int32_t>& ticks_at_eof,
                              bool flush, OnTick&& on_tick, OnEvent&& on_event) {
  for (auto& [partition, p] : parts_) {
    if (p.ticks.empty() && p.events.empty()) continue;
    release(partition, wall_ms, ticks_at_eof.count(partition) > 0, flush, on_tick, on_event);
  }
}

}  // namespace tickgate
