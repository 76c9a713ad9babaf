#pragma once
// An event handed in from outside on market.events (a strategy signal, a position opened or
// closed, an earnings release, a headline): it joins the per-symbol chain of its partition's
// ticks, in event-time order, and is decided on like a tick-derived event.
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <limits>
#include <string>

namespace tickgate {

/// Partitions of market.events travel the pipeline as negative "virtual" partitions, so that
/// offsets, decisions and requests of ticks and events never collide: partition p of
/// market.events is -2 - p (-1 stays "none").
constexpr int32_t event_partition(int32_t p) { return -2 - p; }
constexpr bool is_event_partition(int32_t vp) { return vp <= -2; }
/// The partition of its own topic: p for a tick's, p for market.events' -2 - p.
constexpr int32_t source_partition(int32_t vp) { return vp <= -2 ? -2 - vp : vp; }

/// One decoded, validated outside event.
struct outside_event {
  std::string symbol;
  int64_t ts = 0;        // event time, epoch ms
  uint8_t type = 0;      // event_type (one of the outside ones)
  uint8_t prio = 0;      // priority: as sent (capped by config) or the type's default
  double value = std::numeric_limits<double>::quiet_NaN();  // the number behind it (signal strength, quantity, surprise %...)
  double price = std::numeric_limits<double>::quiet_NaN();  // a price the sender saw, if any
  std::string text;      // headline or detail, for the prompt
  std::string source;    // who sent it (a strategy's name), may be empty
  int32_t partition = -1;  // position in market.events (its own partition, not virtual)
  int64_t offset = -1;
  int64_t ingest_ns = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, outside_event& x) {
  return f(caf::meta::type_name("outside_event"), x.symbol, x.ts, x.type, x.prio, x.value,
           x.price, x.text, x.source, x.partition, x.offset, x.ingest_ns);
}

}  // namespace tickgate
