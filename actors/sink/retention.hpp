#pragma once
// Retention by event time, so that a replay of a month at full speed ages data exactly as a
// month of live running does. The clock is the newest event time the sink has made durable
// (ticks in the future of the wall clock never get that far: the input check rejects them).
//   - decision log: whole event days older than `decisions_days` (the day of the newest tick
//     counts as one), dropped with one range delete when a new day starts;
//   - ledger records older than `ledger_days` (aggregates kept): dropped in compaction;
//   - cache entries past their TTL (and cache.max_age) before the start of the day before the
//     newest tick (a day of slack for partitions behind the others): dropped in compaction.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>

#include "common/period_clock.hpp"
#include "storage/kv_store.hpp"

namespace tickgate {

/// The sink's view of event time for retention; pure.
class retention_clock {
 public:
  explicit retention_clock(int32_t decisions_days) : days_(decisions_days) {}
  /// Advances to `ts` when newer; true when a new event day began (time to drop old days).
  bool observe(int64_t ts) { return days_clock_.advance(ts); }
  int64_t newest() const { return days_clock_.newest(); }
  /// The first event day the decision log keeps; meaningful after a true observe().
  int64_t first_day_kept() const { return days_clock_.period() - days_ + 1; }
  bool keeps_forever() const { return days_ <= 0; }

 private:
  int32_t days_;
  period_clock days_clock_{86'400'000};
};

/// The expiry rules, reading the newest event time from `clock` (INT64_MIN: expire nothing).
kv_store::expiry_rule ledger_expiry(std::shared_ptr<const std::atomic<int64_t>> clock, int32_t days);
/// Stored analyses older than `days` by their tick's event time (the record's top-level "ts").
kv_store::expiry_rule analyses_expiry(std::shared_ptr<const std::atomic<int64_t>> clock, int32_t days);
kv_store::expiry_rule cache_expiry(std::shared_ptr<const std::atomic<int64_t>> clock, int64_t max_age_ms);

/// The integer after the first (or, with `last`, the last) `"field":` of a JSON record; false
/// when absent or not an integer. A key inside a string value never matches (its quotes are
/// escaped there).
bool json_int_field(std::string_view json, std::string_view field, int64_t& out, bool last = false);

}  // namespace tickgate
