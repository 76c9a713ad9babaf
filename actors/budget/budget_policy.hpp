#pragma once
// Budget, pure: a call reserves its worst-case cost before it is sent and settles to the real
// cost afterwards, so the hard limit holds with any number of calls in flight. Daily and
// monthly periods roll on the `now` the caller passes (event time in replays, wall clock live).
#include <cstdint>

#include "common/money.hpp"

namespace tickgate {

/// Per-period spend; owned by the budget actor.
class budget_policy {
 public:
  budget_policy(picousd daily_limit, picousd monthly_limit)
      : daily_limit_(daily_limit), monthly_limit_(monthly_limit) {}
  void set_limits(picousd daily, picousd monthly) {
    daily_limit_ = daily;
    monthly_limit_ = monthly;
  }
  /// Reserves `worst_case` if spent + in flight + worst_case stays within both limits.
  bool try_reserve(picousd worst_case, int64_t now_ms);
  /// Releases a reservation and books what was really spent, in the current period (the one
  /// the latest reservation rolled to; only reservations move periods).
  void settle(picousd reserved, picousd actual);

  picousd spent_today() const { return spent_day_; }
  picousd spent_month() const { return spent_month_; }
  picousd in_flight() const { return reserved_; }
  picousd daily_limit() const { return daily_limit_; }
  picousd monthly_limit() const { return monthly_limit_; }

  /// Days since epoch and months since epoch (proleptic Gregorian, UTC).
  static int64_t day_of(int64_t ms);
  static int64_t month_of(int64_t ms);

 private:
  void roll(int64_t now_ms);

  picousd daily_limit_;
  picousd monthly_limit_;
  picousd spent_day_ = 0;
  picousd spent_month_ = 0;
  picousd reserved_ = 0;
  int64_t day_ = INT64_MIN;
  int64_t month_ = INT64_MIN;
};

/// Worst case of one call: every prompt byte a token (a BPE token is at least one byte) plus a
/// per-message overhead, priced at the dearer of input and cache-write, plus max_tokens output.
picousd worst_case_cost(int64_t prompt_bytes, int64_t messages, int64_t max_tokens,
                        picousd input_price, picousd cache_write_price, picousd output_price);

}  // namespace tickgate
