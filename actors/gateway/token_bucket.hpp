#pragma once
// A token bucket refilled continuously at `per_minute` tokens per minute, holding at most one
// minute's worth. Pure: the caller passes `now` (ms). A zero rate means unlimited.
#include <cstdint>

namespace tickgate {

class token_bucket {
 public:
  token_bucket() = default;
  explicit token_bucket(double per_minute) : capacity_(per_minute), tokens_(per_minute) {}

  bool unlimited() const { return capacity_ <= 0; }
  /// True when `n` tokens are there (a request larger than the whole bucket needs it full).
  bool can_take(double n, int64_t now);
  /// Takes `n` (may leave the bucket negative for an oversized request).
  void take(double n, int64_t now);
  /// Milliseconds until can_take(n) holds; 0 when it already does.
  int64_t wait_ms(double n, int64_t now);
  double tokens(int64_t now) {
    refill(now);
    return tokens_;
  }

 private:
  void refill(int64_t now);
  double capacity_ = 0;
  double tokens_ = 0;
  int64_t last_ = INT64_MIN;
};

}  // namespace tickgate
