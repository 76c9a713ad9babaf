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

/// Fills rounds from recycled vectors. Rounds differ in size: the elements a recycled round has
/// beyond the next one's are kept here (owned by the filling stage, no lock) and go into a later,
/// longer round before any new element is made.
class round_filler {
 public:
  /// The next element of a round: `used` of `out` are this round's; the one returned is an old
  /// tick's, to overwrite, or a new one.
  tick_work& next(std::vector<tick_work>& out, size_t& used) {
    if (used == out.size()) {
      if (loose_.empty()) {
        out.emplace_back();
      } else {
        out.push_back(std::move(loose_.back()));
        loose_.pop_back();
      }
    }
    return out[used++];
  }
  /// The round is `used` long: the elements past it are kept (up to a bound, the rest freed).
  void finish(std::vector<tick_work>& out, size_t used) {
    while (out.size() > used) {
      if (loose_.size() < k_max_loose) loose_.push_back(std::move(out.back()));
      out.pop_back();
    }
  }

 private:
  static constexpr size_t k_max_loose = 4096;
  std::vector<tick_work> loose_;
};

}  // namespace tickgate
