#pragma once
// Batching stage, pure: LOW events for one agent accumulate per Kafka partition (whose records
// have a total order, so batches are the same on every replay) until batch_size, or until the
// partition's event time passes the first event's ts + batch_timeout; in live mode an idle
// batch also flushes on wall clock. Also turns verdicts into llm_requests.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "messages/llm_request.hpp"

namespace tickgate {

/// Builds the request for `items` of `agent`: deterministic id and cache key.
llm_request make_request(const config& cfg, uint16_t agent, std::vector<request_item> items);

/// The item a verdict contributes to a request; its fingerprint is the state quantised for the
/// verdict's agent (state_key.hpp), which keys the item's cached answer.
request_item make_item(const config& cfg, const tick_work& w, const agent_verdict& v);

/// One instance per shard, owned by its batching actor.
class batching_policy {
 public:
  batching_policy(int32_t batch_size, int64_t timeout_ms) : size_(batch_size), timeout_(timeout_ms) {}
  void set_limits(int32_t batch_size, int64_t timeout_ms) {
    size_ = batch_size;
    timeout_ = timeout_ms;
  }
  /// Adds one LOW item; returns the batch when it reached batch_size (else empty).
  std::vector<request_item> add(uint16_t agent, request_item item, int64_t wall_ms);
  /// Event time of `partition` advanced to `now`: batches of that partition that timed out,
  /// as (agent, items).
  std::vector<std::pair<uint16_t, std::vector<request_item>>> advance(int32_t partition,
                                                                       int64_t now);
  /// Live mode: batches with no new item for idle_ms of wall clock.
  std::vector<std::pair<uint16_t, std::vector<request_item>>> flush_idle(int64_t wall_ms,
                                                                         int64_t idle_ms);
  /// The partition moves to another instance: its open batches, now.
  std::vector<std::pair<uint16_t, std::vector<request_item>>> flush_partition(int32_t partition);
  /// End of stream: everything.
  std::vector<std::pair<uint16_t, std::vector<request_item>>> flush_all();
  size_t open_items() const;

 private:
  struct open_batch {
    std::vector<request_item> items;
    int64_t last_wall = 0;
  };
  int32_t size_;
  int64_t timeout_;
  std::map<std::pair<int32_t, uint16_t>, open_batch> open_;  // (partition, agent)
};

}  // namespace tickgate
