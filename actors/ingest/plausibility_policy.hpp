#pragma once
// Ingest policy, pure: whether a decoded tick is plausible enough to touch any state. The
// decoder has already checked shape and bounds; this adds what needs history or a clock:
//  - the symbol matches the configured pattern (checked once per distinct symbol);
//  - event time is not ahead of the wall clock by more than max_future, nor behind its
//    partition's event-time high-water mark by more than max_late (one far-future print would
//    otherwise move a symbol's clocks, batching timeouts and the budget's day into the future);
//  - the price is not an outlier: far (in MADs and in %) from the robust centre (median) of
//    the symbol's recent accepted prints. An outlier is quarantined (rejected, no state change);
//    `confirm` consecutive consistent outliers are a genuine level shift: the last of them is
//    accepted, flagged, and becomes the new centre.
// Decisions depend only on the ticks in partition order and the wall clock passed in.
#include <cstdint>
#include <regex>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "common/period_clock.hpp"
#include "messages/tick.hpp"

namespace tickgate {


/// Owned by the ingest actor (one thread).
class plausibility_policy {
 public:
  struct verdict {
    bool ok = true;
    bool level_shift = false;  // ok, and it moved the symbol's centre (counted, logged)
    std::string code;          // when !ok: future_ts, late_ts, bad_symbol, outlier
    std::string reason;        // code: detail
  };

  /// Throws std::regex_error when the pattern does not compile (config validates it first).
  explicit plausibility_policy(plausibility_config cfg);
  verdict check(int32_t partition, const tick& t, int64_t wall_now_ms);
  /// An outside event: its symbol matches the pattern and its ts is not too far ahead of the
  /// wall clock (no price history is judged or changed).
  verdict check_outside(const std::string& symbol, int64_t ts, int64_t wall_now_ms);
  /// Forgets a partition's high-water mark (revoked).
  void drop_partition(int32_t partition) { hwm_.erase(partition); }
  size_t symbols() const { return centres_.size(); }
  /// Retention: a symbol's price window goes after `idle_ms` of event time without a tick
  /// (swept once per hour of the newest tick's time); it then starts cold. 0: never.
  void set_idle_ms(int64_t idle_ms) { idle_ms_ = idle_ms; }

 private:
  struct centre {
    std::vector<double> ring;      // up to outlier_window accepted prices
    size_t head = 0;               // next slot to overwrite once full
    std::vector<double> suspects;  // consecutive outliers, oldest first
    int64_t last_ts = INT64_MIN;   // newest tick seen
  };
  void sweep(int64_t ts);
  bool symbol_ok(const std::string& s);
  verdict judge_price(centre& c, double price);
  void remember(centre& c, double price);

  plausibility_config cfg_;
  std::regex pattern_;
  std::unordered_map<std::string, bool> symbol_seen_;  // symbol -> matches the pattern
  std::unordered_map<int32_t, int64_t> hwm_;
  std::unordered_map<std::string, centre> centres_;
  std::vector<double> scratch_;
  int64_t idle_ms_ = 0;
  period_clock sweep_clock_{3'600'000};  // idle windows are swept once per hour of event time
};

/// Median of `v` (reorders it); NaN when empty.
double median_of(std::vector<double>& v);

}  // namespace tickgate
