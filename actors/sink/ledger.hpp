#pragma once
// The cost ledger: one record per request id, and daily/monthly aggregates per total, agent,
// model, provider and symbol, added in the same write batch as the record. Writing a request id
// that is already in the ledger changes nothing, so a re-delivered request is never counted
// (or charged) twice.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "messages/analysis.hpp"
#include "storage/kv_store.hpp"

namespace tickgate {

/// Fields of every aggregate, in order.
enum ledger_field : size_t {
  lf_requests = 0,   // requests (symbol aggregates: analyses)
  lf_cost,           // pUSD paid
  lf_input,          // uncached input tokens
  lf_cached,         // cache-read tokens
  lf_cache_write,
  lf_output,
  lf_avoided,        // pUSD a cache hit saved
  lf_would_cost,     // pUSD an offline/dry-run call would have cost
  lf_count_
};

/// Accumulates ledger records and folds their aggregate deltas, so that many requests become
/// one write batch with one merge per aggregate key. Owned by one writer thread.
class ledger_writer {
 public:
  explicit ledger_writer(kv_store& store) : store_(store) {}
  /// Stages `o` unless its request id is in the store or already staged; false if it was.
  bool add(const request_outcome& o);
  /// Appends the staged records and folded aggregates to `batch` and clears the stage.
  void flush_into(write_batch& batch);
  size_t staged() const { return records_.size(); }

 private:
  void add_deltas(const std::string& key, const std::vector<int64_t>& d);
  kv_store& store_;
  std::vector<std::pair<std::string, std::string>> records_;
  std::map<std::string, std::vector<int64_t>> deltas_;
};

/// Appends the record and its aggregates to `batch` unless `store` already has `o.request_id`.
/// Returns false (and appends nothing) when it was already there. Aggregates are keyed by the
/// event time of the request: "agg/day/2023-03-01/agent/market_regime", "agg/month/2023-03/total".
bool add_to_ledger(kv_store& store, const request_outcome& o, write_batch& batch);

/// Calibration sums of billed calls: <prefix>model/<model> and <prefix>agent/<agent>.
inline constexpr const char* k_calibration_prefix = "agg/calib/";
class cost_estimator;
/// Loads the ledger's calibration sums into `e` (at start: estimates begin where they left off).
void load_calibration(kv_store& store, cost_estimator& e);

/// The counters at an aggregate key (all zero when absent).
std::vector<int64_t> ledger_aggregate(kv_store& store, const std::string& key);

/// Also puts every analysis of `o` (analyses column) into `batch`; returns them as encoded
/// (what the analyses topic gets too).
std::vector<std::string> add_analyses(const request_outcome& o, write_batch& batch);

}  // namespace tickgate
