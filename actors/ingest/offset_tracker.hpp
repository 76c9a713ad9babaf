#pragma once
// Ingest policy, pure: which offsets may be committed. A record is done when the sink has
// accounted for it (its decisions are durable) and every request that covers it has settled
// (its analyses and costs are durable and delivered). The commit point of a partition is the
// first offset not yet done; records finish out of order, commits never skip one.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <vector>

namespace tickgate {

/// Owned by the ingest actor.
class offset_tracker {
 public:
  /// A record was handed to the pipeline.
  void polled(int32_t partition, int64_t offset);
  /// A record needs no pipeline work (rejected to the DLQ, once the DLQ has it).
  void done(int32_t partition, int64_t offset) { accounted(partition, offset, 0); }
  void accounted(int32_t partition, int64_t offset, int32_t outstanding);
  void settled(int32_t partition, int64_t offset);
  /// Partitions whose commit point moved since the last call, with the new next-offset.
  std::map<int32_t, int64_t> take_commits();
  /// A commit of `commits` (from take_commits) failed: they are taken again next time.
  void commit_failed(const std::map<int32_t, int64_t>& commits);
  /// Forgets a revoked partition.
  void drop(int32_t partition);
  /// Records polled and not yet done, over all partitions.
  size_t in_flight() const;
  /// Records polled whose pipeline work is not yet accounted (their decisions not yet durable):
  /// the work queued in the process. A record accounted and waiting only for a paid answer
  /// ahead of it to settle holds nothing but its slot here, and does not count.
  size_t unaccounted() const { return unaccounted_; }
  /// Records of `partition` polled and not yet done.
  size_t in_flight(int32_t partition) const;
  /// Current commit point of a partition (-1 if nothing seen).
  int64_t commit_point(int32_t partition) const;
  /// Per partition with records: the offset after the last record polled (where a cut of the
  /// state taken now stands).
  std::map<int32_t, int64_t> polled_ends() const;

 private:
  struct slot {
    int64_t offset = 0;
    bool accounted = false;
    int32_t pending = 0;  // outstanding requests minus settlements seen
  };
  struct partition_state {
    // Polled and not yet done, by offset: records come in offset order (appended), leave from
    // the front; a lookup is a binary search. No node per record, as a map would have.
    std::deque<slot> open;
    std::deque<slot>::iterator at_or_after(int64_t offset);
    slot* find(int64_t offset);
    int64_t next = -1;          // first offset not yet done (commit point)
    int64_t last_committed = -1;
  };
  void advance(partition_state& p);
  std::map<int32_t, partition_state> parts_;
  size_t unaccounted_ = 0;
};

}  // namespace tickgate
