#pragma once
// Handing freed heap back to the OS when the process has grown, not every second.
//
// glibc keeps what its arenas freed (one arena per busy thread, each at its high-water mark), so
// without help a long catch-up's resident size creeps up to the sum of those marks. `malloc_trim`
// hands every free page back, but a busy process faults the same pages in again at once:
// trimming every second cost a catch-up about 15% of its throughput in page faults.
// So the pipeline trims only when its resident size has grown by more than a slack
// (`pipeline.trim_growth_mb`) above the lowest it was since the last trim: a working set that
// keeps reusing its pages is left alone, and creeping fragmentation is handed back.
#include <cstdint>

namespace tickgate {

/// This process's resident set size in bytes (/proc/self/statm), or -1 if unreadable.
int64_t resident_bytes();

/// When to trim, from the resident size read once a second (pure; the caller trims).
class heap_trim_policy {
 public:
  /// slack_bytes: growth above the low mark that triggers a trim; 0 trims every time.
  explicit heap_trim_policy(int64_t slack_bytes) : slack_(slack_bytes) {}
  /// Whether to trim now, the process holding `resident` bytes (negative: unknown, no trim).
  bool due(int64_t resident);
  /// After a trim: the resident size it left is the new low mark.
  void trimmed(int64_t resident_after);
  int64_t low_mark() const { return low_; }

 private:
  int64_t slack_;
  int64_t low_ = -1;  // lowest resident size since the last trim (-1: none read yet)
};

/// Reads the resident size, trims (malloc_trim) if the policy says so; returns whether it did.
bool trim_heap_if_grown(heap_trim_policy& policy);

}  // namespace tickgate
