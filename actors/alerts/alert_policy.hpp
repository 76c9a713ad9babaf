#pragma once
// Alerts, pure: deduplication per key and window, the dead-letter rate alarm, and the JSON and
// log forms of an alert. No CAF, Kafka or curl; time comes in as a parameter.
#include <cstdint>
#include <string>
#include <unordered_map>

#include "messages/alert.hpp"

namespace tickgate {

/// Admits the first alert of each key, then no other of that key until `window_ms` has passed
/// on the alerts' own clock (a sliding window from the last admitted one).
class alert_dedup {
 public:
  explicit alert_dedup(int64_t window_ms) : window_ms_(window_ms) {}
  bool admit(const std::string& key, int64_t ts);
  uint64_t suppressed() const { return suppressed_; }

 private:
  int64_t window_ms_;
  std::unordered_map<std::string, int64_t> last_;  // key -> ts of the last admitted alert
  uint64_t suppressed_ = 0;
};

/// Judges the dead-letter rate per block of `window` consumed records: fires (once per block)
/// as soon as the block's dead letters exceed `max_pct` percent of the block, so a burst is
/// reported without waiting for the block to end.
class dlq_rate_alarm {
 public:
  dlq_rate_alarm(int32_t window, double max_pct) : window_(window), max_pct_(max_pct) {}
  /// Counts one consumed record; true when it takes its block over the limit.
  bool observe(bool dead_lettered);
  int32_t window() const { return window_; }
  /// Records and dead letters of the current block when it fired.
  int32_t fired_seen() const { return fired_seen_; }
  int32_t fired_bad() const { return fired_bad_; }

 private:
  int32_t window_;
  double max_pct_;
  int32_t seen_ = 0;
  int32_t bad_ = 0;
  bool fired_ = false;
  int32_t fired_seen_ = 0;
  int32_t fired_bad_ = 0;
};

/// The record on the alerts topic and the webhook body:
/// {"kind","key","severity","ts","message","fields":{...},"instance"}.
std::string alert_json(const alert& a, const std::string& instance);
/// One structured log line: `alert kind=... key=... severity=... ts=... <fields as k=v> msg="..."`.
std::string alert_log_line(const alert& a);

}  // namespace tickgate
