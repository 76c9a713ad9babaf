#pragma once
// A circuit breaker per route (provider + model). Closed: attempts pass and their outcomes fill
// a window of the last `window`; a failure that leaves at least `min_calls` in it with a
// failure share at or above `failure_rate` opens it. Open: nothing passes for `open_ms`. Half-open: one probe
// passes; its success closes the breaker (with a fresh window), its failure opens it again.
// Pure: the caller passes `now` (ms).
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tickgate {

enum class breaker_state : uint8_t { closed = 0, open = 1, half_open = 2 };
const char* to_string(breaker_state s);

class circuit_breaker {
 public:
  circuit_breaker(int32_t window, int32_t min_calls, double failure_rate, int64_t open_ms);
  breaker_state state(int64_t now) const;
  /// May an attempt be sent now?
  bool allows(int64_t now) const;
  /// An attempt was sent (in half-open state it is the probe). Returns the breaker's epoch,
  /// to pass back with the attempt's outcome.
  uint64_t on_dispatch(int64_t now);
  /// Records the outcome of an attempt sent in epoch `sent_in`; returns true when it changed
  /// the state. Every change of state starts a new epoch, and outcomes of attempts sent before
  /// it are ignored: a straggler sent before the breaker opened neither passes for the probe's
  /// outcome nor counts in the fresh window after the probe closed it.
  bool record(bool success, int64_t now, uint64_t sent_in);
  /// The outcome of an attempt sent in the current epoch.
  bool record(bool success, int64_t now) { return record(success, now, epoch_); }
  uint64_t opens() const { return opens_; }
  /// When an open breaker lets its probe through (meaningless unless open).
  int64_t half_opens_at() const { return open_until_; }
  double failure_share() const;

 private:
  void open(int64_t now);
  int32_t window_;
  int32_t min_calls_;
  double failure_rate_;
  int64_t open_ms_;
  std::vector<uint8_t> ring_;  // 1 = failure
  size_t next_ = 0;
  int32_t filled_ = 0;
  int32_t failures_ = 0;
  bool open_ = false;
  int64_t open_until_ = 0;
  bool probe_in_flight_ = false;
  uint64_t opens_ = 0;
  uint64_t epoch_ = 0;  // bumped by every change of state
};

}  // namespace tickgate
