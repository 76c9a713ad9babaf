#pragma once
// Ingest policy, pure: merges a partition of market.events into the same partition of
// market.ticks by event time (the topics are co-partitioned: same key, same partition count),
// so that an outside event meets the symbol's state as of its own time, and a replay of the
// same topics merges them the same way.
//
// Per partition: a tick goes once every event before it is known, that is once each side input
// (market.events, ai.requests) has its partition read to its end, or has an event later than
// the tick already here. An
// event goes before the first tick later than it; one older than what its partition has
// already released (late) goes at once; one ahead of every tick goes when the tick partition
// is caught up and the event has waited max_wait (a quiet market must not hold a signal), or
// at the end of the input.
#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <set>

#include "messages/outside_event.hpp"
#include "messages/tick.hpp"

namespace tickgate {

class event_merge {
 public:
  /// `sides`: the inputs read beside the ticks, which a tick waits for (bits of side_bit).
  static constexpr uint8_t side_bit(input_kind in) { return static_cast<uint8_t>(1u << static_cast<unsigned>(in)); }
  explicit event_merge(int64_t max_wait_ms, uint8_t sides = side_bit(input_kind::events))
      : max_wait_ms_(max_wait_ms), sides_(sides) {}

  void add_tick(int32_t partition, tick t) { parts_[partition].ticks.push_back(std::move(t)); }
  /// Events are kept in event-time order (stable: equal times keep their offset order).
  /// `wait_ms` (-1: max_wait) replaces max_wait for this one: a request for an analysis on
  /// demand (0) waits for no tick once the ticks are caught up, and exactly as an event in a
  /// replay (answered on the state as of its time). An on_demand event is of ai.requests,
  /// every other of market.events.
  void add_event(int32_t partition, outside_event e, int64_t wall_ms, int64_t wait_ms = -1);
  /// The partition of side input `in` was read to its end (true) or has records again (false).
  void caught_up(int32_t partition, input_kind in, bool yes);
  void events_caught_up(int32_t partition, bool yes) { caught_up(partition, input_kind::events, yes); }

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
  /// Some partition holds ticks only because side input `in` is not read to its end yet.
  bool waiting_for(input_kind in) const;
  bool waiting_for_events() const { return waiting_for(input_kind::events); }

 private:
  struct waiting_event {
    outside_event e;
    int64_t arrived_wall_ms = 0;
    int64_t wait_ms = 0;
    uint8_t side = 0;  // side_bit of its input
  };
  struct partition_state {
    std::deque<tick> ticks;
    std::deque<waiting_event> events;
    uint8_t caught_up = 0;             // side_bits of the inputs read to their end
    std::array<uint32_t, 8> held_of{};  // events held, by the bit index of their input
    int64_t released_ts = INT64_MIN;   // event time of the latest record released
    /// Every side input is read to its end or holds an event (then later than any tick held).
    bool ticks_may_go(uint8_t sides) const {
      for (unsigned b = 0; b < 8; ++b)
        if ((sides >> b & 1u) && !(caught_up >> b & 1u) && held_of[b] == 0) return false;
      return true;
    }
  };
  static unsigned bit_index(uint8_t side) { return static_cast<unsigned>(__builtin_ctz(side)); }
  int64_t max_wait_ms_;
  uint8_t sides_;
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
    --p.held_of[bit_index(p.events.front().side)];
    on_event(std::move(p.events.front().e));
    p.events.pop_front();
  };
  for (;;) {
    const bool has_tick = !p.ticks.empty();
    const bool has_event = !p.events.empty();
    if (has_event && (p.events.front().e.ts <= p.released_ts ||
                      (has_tick && p.events.front().e.ts <= p.ticks.front().ts))) {
      emit_event();
    } else if (has_tick && (flush || p.ticks_may_go(sides_))) {
      emit_tick();
    } else if (has_event && !has_tick &&
               (flush || (ticks_at_eof && wall_ms - p.events.front().arrived_wall_ms >= p.events.front().wait_ms))) {
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
