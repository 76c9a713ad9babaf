#pragma once
// A shard's poll rounds of tick_work, handed back by its last stage (batching) to its first
// (prioritise) once the round is logged. A recycled round keeps its elements: their verdict
// vectors, reason strings and event vectors are overwritten in place by the next round's
// ticks instead of being allocated on one thread and freed on another (what glibc's per-thread
// caches cannot absorb: 8-10% of a catch-up's CPU went to malloc and free).
// One lock a round, held for a vector swap.
#include <memory>
#include <mutex>
#include <vector>

#include "messages/market_event.hpp"

namespace tickgate {

class tick_work_pool {
 public:
  /// A round to fill: a recycled one (its elements still there, to overwrite) or an empty one.
  std::vector<tick_work> take() {
    std::lock_guard<std::mutex> lock(mu_);
    if (spare_.empty()) return {};
    auto out = std::move(spare_.back());
    spare_.pop_back();
    return out;
  }
  /// Hands a logged round back; beyond a few kept, it is freed here.
  void give(std::vector<tick_work>&& round) {
    std::lock_guard<std::mutex> lock(mu_);
    if (spare_.size() < k_max_spare) spare_.push_back(std::move(round));
  }

 private:
  static constexpr size_t k_max_spare = 8;
  std::mutex mu_;
  std::vector<std::vector<tick_work>> spare_;
};

/// The next element of a round being filled from a recycled vector: `used` of `out` are this
/// round's; the one returned is either an old tick's, to overwrite, or a new one.
inline tick_work& next_work(std::vector<tick_work>& out, size_t& used) {
  if (used == out.size()) out.emplace_back();
  return out[used++];
}

}  // namespace tickgate
