#pragma once
// Small pieces of rolling statistics over event time, shared by the market watch (what
// tickgate detects) and the backtest's judge (what counts as significant): flooring
// division for minute buckets, the sample standard deviation, monotonic deques for window
// extremes, and a rolling median over a time window.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

namespace tickgate {

/// a / b rounded towards negative infinity (minute buckets of negative times included).
inline int64_t floor_div(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

/// The sample standard deviation (n - 1) of [b, e); at least two values.
template <class It>
double sample_stdev(It b, It e) {
  const auto n = static_cast<double>(e - b);
  double mean = 0;
  for (auto i = b; i != e; ++i) mean += *i;
  mean /= n;
  double ss = 0;
  for (auto i = b; i != e; ++i) ss += (*i - mean) * (*i - mean);
  return std::sqrt(ss / (n - 1));
}

/// (event time, value) in time order.
using timed_values = std::deque<std::pair<int64_t, double>>;

/// Pushes (ts, v) onto a monotonic deque: with `better` less, the front is the window's
/// minimum and each entry is the minimum of the suffix starting at it; with greater, maxima.
template <class Better>
void push_monotonic(timed_values& q, int64_t ts, double v, Better better) {
  while (!q.empty() && !better(q.back().second, v)) q.pop_back();
  q.emplace_back(ts, v);
}

/// Drops the entries older than `oldest_kept`.
inline void evict_before(timed_values& q, int64_t oldest_kept) {
  while (!q.empty() && q.front().first < oldest_kept) q.pop_front();
}

/// The median of the values of a time window: samples in time order beside the same values
/// sorted (log n to find, linear to insert: meant for windows of a few thousand samples).
class window_median {
 public:
  void add(int64_t ts, double v) {
    samples_.emplace_back(ts, v);
    sorted_.insert(std::upper_bound(sorted_.begin(), sorted_.end(), v), v);
  }
  void drop_oldest() {
    auto it = std::lower_bound(sorted_.begin(), sorted_.end(), samples_.front().second);
    if (it != sorted_.end()) sorted_.erase(it);
    samples_.pop_front();
  }
  void drop_before(int64_t oldest_kept) {
    while (!samples_.empty() && samples_.front().first < oldest_kept) drop_oldest();
  }
  size_t size() const { return samples_.size(); }
  bool empty() const { return samples_.empty(); }
  int64_t newest_ts() const { return samples_.back().first; }
  /// Not empty.
  double median() const {
    const size_t n = sorted_.size();
    return n % 2 ? sorted_[n / 2] : (sorted_[n / 2 - 1] + sorted_[n / 2]) / 2;
  }
  /// For checkpoints: the samples, and a window rebuilt from them.
  const timed_values& samples() const { return samples_; }
  void restore(timed_values samples) {
    samples_ = std::move(samples);
    sorted_.clear();
    for (auto& s : samples_) sorted_.push_back(s.second);
    std::sort(sorted_.begin(), sorted_.end());
  }

 private:
  timed_values samples_;
  std::vector<double> sorted_;
};

}  // namespace tickgate
