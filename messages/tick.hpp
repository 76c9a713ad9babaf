#pragma once
// A market tick as it enters the pipeline: parsed, validated, stamped with its Kafka position.
#include <caf/meta/type_name.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "messages/outside_event.hpp"

namespace tickgate {

constexpr double k_absent = std::numeric_limits<double>::quiet_NaN();
inline bool present(double v) { return !std::isnan(v); }

/// The steady clock in ns, for latencies measured across actors (tick::ingest_ns).
inline int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// One validated tick; absent optional fields are NaN. Owned by whoever holds the message.
struct tick {
  std::string symbol;
  int64_t ts = 0;  // event time, epoch milliseconds
  double price = 0;
  double volume = k_absent;
  double bid = k_absent;
  double ask = k_absent;
  double rsi = k_absent;  // supplied indicators, when the producer has them
  double iv = k_absent;
  double macd = k_absent;
  double days_to_expiry = k_absent;
  int32_t partition = -1;  // position in market.ticks, for offset tracking
  int64_t offset = -1;
  int64_t ingest_ns = 0;   // steady clock when ingest took it (latency metric only; 0: unset)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tick& x) {
  return f(caf::meta::type_name("tick"), x.symbol, x.ts, x.price, x.volume, x.bid, x.ask, x.rsi,
           x.iv, x.macd, x.days_to_expiry, x.partition, x.offset, x.ingest_ns);
}

/// Ingest -> a shard: the ticks of one poll round for that shard, in partition order (one
/// message per round instead of one per tick: each crossed from the ingest thread).
/// Outside events (market.events) ride along: events[i] goes right before ticks[event_at[i]]
/// (event_at[i] == ticks.size(): after the last tick), event_at ascending.
struct tick_batch {
  std::vector<tick> ticks;
  std::vector<outside_event> events;
  std::vector<uint32_t> event_at;
  bool empty() const { return ticks.empty() && events.empty(); }
  void clear() {
    ticks.clear();
    events.clear();
    event_at.clear();
  }
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tick_batch& x) {
  return f(caf::meta::type_name("tick_batch"), x.ticks, x.events, x.event_at);
}

}  // namespace tickgate
