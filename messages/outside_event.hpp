#pragma once
// An event handed in from outside on market.events (a strategy signal, a position opened or
// closed, an earnings release, a headline): it joins the per-symbol chain of its partition's
// ticks, in event-time order, and is decided on like a tick-derived event.
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <limits>
#include <string>

namespace tickgate {

/// The inputs: market.ticks, market.events (outside events) and ai.requests (analyses on
/// demand), co-partitioned. Partitions of the last two travel the pipeline as negative
/// "virtual" partitions, so that offsets, decisions and requests of the three never collide:
/// partition p of market.events is -2 - p, of ai.requests -2 - 2^20 - p (-1 stays "none").
enum class input_kind : uint8_t { ticks = 0, events = 1, requests = 2 };
constexpr int32_t k_requests_base = 1 << 20;
constexpr int32_t input_partition(input_kind in, int32_t p) {
  return in == input_kind::ticks    ? p
         : in == input_kind::events ? -2 - p
                                    : -2 - k_requests_base - p;
}
constexpr int32_t event_partition(int32_t p) { return input_partition(input_kind::events, p); }
/// Not a tick's: an outside event's or a request's.
constexpr bool is_event_partition(int32_t vp) { return vp <= -2; }
constexpr input_kind input_of(int32_t vp) {
  return vp > -2 ? input_kind::ticks : vp > -2 - k_requests_base ? input_kind::events : input_kind::requests;
}
/// The partition in its own topic.
constexpr int32_t source_partition(int32_t vp) {
  return vp > -2 ? vp : vp > -2 - k_requests_base ? -2 - vp : -2 - k_requests_base - vp;
}
const char* to_string(input_kind in);

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
  int32_t partition = -1;  // position in its topic (its own partition, not virtual)
  int64_t offset = -1;
  int64_t ingest_ns = 0;
  // An analysis on demand (ai.requests; type on_demand): which agent, the caller's id, and
  // how old a cached answer may be (-1: the agent's TTL; 0: never from the cache).
  uint16_t agent = 0;
  std::string correlation_id;
  int64_t max_age_ms = -1;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, outside_event& x) {
  return f(caf::meta::type_name("outside_event"), x.symbol, x.ts, x.type, x.prio, x.value,
           x.price, x.text, x.source, x.partition, x.offset, x.ingest_ns, x.agent,
           x.correlation_id, x.max_age_ms);
}

}  // namespace tickgate
