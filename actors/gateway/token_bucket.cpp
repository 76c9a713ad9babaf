#include "actors/gateway/token_bucket.hpp"

#include <algorithm>
#include <cmath>

namespace tickgate {

void token_bucket::refill(int64_t now) {
  if (last_ == INT64_MIN || now <= last_) {
    if (last_ == INT64_MIN) last_ = now;
    return;
  }
  tokens_ = std::min(capacity_, tokens_ + capacity_ * static_cast<double>(now - last_) / 60'000.0);
  last_ = now;
}

bool token_bucket::can_take(double n, int64_t now) {
  if (unlimited()) return true;
  refill(now);
  return tokens_ >= std::min(n, capacity_);
}

void token_bucket::take(double n, int64_t now) {
  if (unlimited()) return;
  refill(now);
  tokens_ -= n;
}

int64_t token_bucket::wait_ms(double n, int64_t now) {
  if (can_take(n, now)) return 0;
  double missing = std::min(n, capacity_) - tokens_;
  return static_cast<int64_t>(std::ceil(missing * 60'000.0 / capacity_));
}

}  // namespace tickgate
