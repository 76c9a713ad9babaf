#pragma once
// A shard's poll rounds of tick_work, handed back by its last stage (batching) to its first
// (prioritise) once the round is logged. A recycled round keeps its elements: their verdict
// vectors, reason strings and event vectors are overwritten in place by the next round's
// ticks instead of being allocated on one thread and freed on another (what glibc's per-thread
// caches cannot absorb: 8-10% of a catch-up's CPU went to malloc and free).
// One lock a round, held for a vector swap. The spares are bounded in ticks: up to what may be
// in flight in the shard anyway (pipeline.max_in_flight shared by the shards), so that after a
// burst (a backpressure cycle puts that many in flight at once) the rounds coming back are kept
// for the next, not freed and made again; the peak memory is the same either way.
#include <memory>
#include <mutex>
#include <vector>

#include "messages/market_event.hpp"

namespace tickgate {

class tick_work_pool {
 public:
  /// Keeps up to `max_spare_ticks` elements in spare rounds.
  explicit tick_work_pool(size_t max_spare_ticks = 4096) : max_spare_ticks_(max_spare_ticks) {}
  /// A round to fill: a recycled one (its elements still there, to overwrite) or an empty one.
  std::vector<tick_work> take() {
    std::lock_guard<std::mutex> lock(mu_);
    if (spare_.empty()) return {};
    auto out = std::move(spare_.back());
    spare_.pop_back();
    spare_ticks_ -= out.size();
    return out;
  }
  /// Hands a logged round back; past the bound, it is freed here.
  void give(std::vector<tick_work>&& round) {
    std::lock_guard<std::mutex> lock(mu_);
    if (spare_ticks_ + round.size() > max_spare_ticks_) return;
    spare_ticks_ += round.size();
    spare_.push_back(std::move(round));
  }

 private:
  const size_t max_spare_ticks_;
  std::mutex mu_;
  std::vector<std::vector<tick_work>> spare_;
  size_t spare_ticks_ = 0;
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
