#include "actors/gateway/circuit_breaker.hpp"

namespace tickgate {

const char* to_string(breaker_state s) {
  switch (s) {
    case breaker_state::closed: return "closed";
    case breaker_state::open: return "open";
    case breaker_state::half_open: return "half_open";
  }
  return "?";
}

circuit_breaker::circuit_breaker(int32_t window, int32_t min_calls, double failure_rate,
                                 int64_t open_ms)
    : window_(window), min_calls_(min_calls), failure_rate_(failure_rate), open_ms_(open_ms),
      ring_(static_cast<size_t>(window), 0) {}

breaker_state circuit_breaker::state(int64_t now) const {
  if (!open_) return breaker_state::closed;
  return now < open_until_ ? breaker_state::open : breaker_state::half_open;
}

bool circuit_breaker::allows(int64_t now) const {
  switch (state(now)) {
    case breaker_state::closed: return true;
    case breaker_state::open: return false;
    case breaker_state::half_open: return !probe_in_flight_;
  }
  return false;
}

uint64_t circuit_breaker::on_dispatch(int64_t now) {
  if (state(now) == breaker_state::half_open) probe_in_flight_ = true;
  return epoch_;
}

double circuit_breaker::failure_share() const {
  return filled_ == 0 ? 0.0 : static_cast<double>(failures_) / filled_;
}

void circuit_breaker::open(int64_t now) {
  open_ = true;
  open_until_ = now + open_ms_;
  probe_in_flight_ = false;
  ++opens_;
  ++epoch_;
}

bool circuit_breaker::record(bool success, int64_t now, uint64_t sent_in) {
  if (sent_in != epoch_) return false;  // sent before the last change of state
  if (open_) {
    // Only the probe's outcome counts (nothing else is sent while open).
    if (!probe_in_flight_) return false;
    probe_in_flight_ = false;
    if (success) {
      open_ = false;
      ++epoch_;
      ring_.assign(ring_.size(), 0);
      next_ = 0;
      filled_ = failures_ = 0;
    } else {
      open(now);
    }
    return true;
  }
  if (filled_ == window_) failures_ -= ring_[next_];
  else ++filled_;
  ring_[next_] = success ? 0 : 1;
  failures_ += ring_[next_];
  next_ = (next_ + 1) % ring_.size();
  if (!success && filled_ >= min_calls_ && failure_share() >= failure_rate_) {
    open(now);
    return true;
  }
  return false;
}

}  // namespace tickgate
