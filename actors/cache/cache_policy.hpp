#pragma once
// Response cache, pure: an LRU bounded in bytes, with a TTL per entry on event time and a
// global max age. A hit needs the exact key (agent, prompt version, key version, symbol,
// quantised state, model: see state_key.hpp).
#include <cstdint>
#include <functional>
#include <list>
#include <string>
#include <unordered_map>
#include <vector>

namespace tickgate {

/// A cached answer: what the sink needs to replay it as an analysis.
struct cached_answer {
  std::string provider;
  std::string model;
  std::string results_json;  // JSON array, one result per request item
  int64_t stored_at = 0;     // event time
  int64_t ttl_ms = 0;
  int64_t cost_pico = 0;     // what the original call cost (the avoided cost of a hit)
  std::vector<std::string> symbols;  // the symbols the answer covers
};

/// The TTL of an answer of `response_ttl_ms`: capped at `high_vol_cap_ms` when the symbol's
/// volatility rank is above 90 (a market that moves a lot makes old answers stale sooner).
int64_t effective_ttl_ms(int64_t response_ttl_ms, double volatility_rank, int64_t high_vol_cap_ms);

/// Owned by the cache actor.
class cache_policy {
 public:
  cache_policy(int64_t max_bytes, int64_t max_age_ms) : max_bytes_(max_bytes), max_age_(max_age_ms) {}
  /// A live entry for `key` at event time `now`, or nullptr (expired entries are dropped).
  const cached_answer* get(const std::string& key, int64_t now);
  /// Stores `value` under `key`, unless the entry there is newer (stored at a later event
  /// time): false then. Two answers for one state may come back in either order.
  bool put(const std::string& key, cached_answer value);
  /// Drops every entry whose key starts with `prefix` (agent/version or agent/version/symbol).
  size_t invalidate_prefix(const std::string& prefix);
  /// Drops every entry for which `match(key, answer)` holds.
  size_t invalidate_if(const std::function<bool(const std::string&, const cached_answer&)>& match);
  /// Stretches every TTL by `f` (>= 1; still within the max age): the gateway's degrade and hard
  /// budget levels prefer a somewhat older answer to a new call.
  void set_ttl_factor(double f) { ttl_factor_ = f < 1 ? 1 : f; }
  double ttl_factor() const { return ttl_factor_; }
  int64_t bytes() const { return bytes_; }
  size_t size() const { return index_.size(); }
  uint64_t evictions() const { return evictions_; }

 private:
  using entry = std::pair<std::string, cached_answer>;
  static int64_t cost_of(const entry& e);
  void erase(std::list<entry>::iterator it);

  int64_t max_bytes_;
  int64_t max_age_;
  int64_t bytes_ = 0;
  double ttl_factor_ = 1;
  uint64_t evictions_ = 0;
  std::list<entry> lru_;  // front = most recent
  std::unordered_map<std::string, std::list<entry>::iterator> index_;
};

}  // namespace tickgate
