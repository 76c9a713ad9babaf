#pragma once
// The state changelog, pure. Cuts of per-symbol state (checkpoint_mark) wait in the book until
// everything polled before them is durable; then the newest such cut of a partition is written
// to the partition of the same number in kafka.topics.state: first a position record (where
// the cut is, and how many symbol records follow), then each symbol's newest state at or before
// the cut. Offsets are committed only up to a written cut, so a restored state and the
// committed offset always agree. Restore folds a partition's records back (fold_changelog).
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

namespace tickgate {

struct changelog_record {
  std::string key;
  std::string value;
  bool tombstone = false;  // a null value: the key is deleted (compaction drops it)
};

/// Keys carry the consumer group (several groups may share the topic, each with its own
/// state): "<group>\0s/<symbol>" per symbol, "<group>\0pos" for the position.
std::string changelog_symbol_key(const std::string& group, const std::string& symbol);
std::string changelog_position_key(const std::string& group);
/// "<group>\0paid/<request_id>": an answer a provider was paid for, so that whoever owns the
/// partition next answers that request from it instead of paying again.
std::string changelog_paid_key(const std::string& group, const std::string& request_id);
/// Where a restored paid answer is kept in the local store (column state) for the caller.
std::string paid_store_key(const std::string& request_id);
/// A paid answer as the changelog keeps it: the ledger record and each item's result JSON.
std::string encode_paid(const std::string& ledger_json, const std::vector<std::string>& results);
bool decode_paid(const std::string& value, std::string& ledger_json, std::vector<std::string>& results);

class changelog_book {
 public:
  explicit changelog_book(std::string group) : group_(std::move(group)) {}
  /// A cut of `partition` after the records before `position`, from mark `epoch` (ascending).
  void add_cut(int32_t partition, int64_t epoch, int64_t position);
  void add_state(int32_t partition, int64_t epoch, const std::string& symbol, std::string state);
  /// A paid answer of `partition` was written, covering records up to `max_offset`: deleted
  /// with the first cut past it (a restore resumes there, and no request is formed again from
  /// records before it).
  void add_paid(int32_t partition, int64_t max_offset, const std::string& request_id);
  struct cut {
    int64_t position = -1;  // -1: nothing due
    std::vector<changelog_record> records;
  };
  /// The newest cut of `partition` at or before `durable_until` not yet taken, as its records;
  /// cuts before it are folded in (a symbol's newest state up to the cut wins). Tombstones of
  /// paid answers the cut leaves behind follow the symbols.
  cut take_due(int32_t partition, int64_t durable_until);
  /// The partition left this instance: its cuts are forgotten.
  void drop(int32_t partition);
  size_t waiting_states() const;

 private:
  struct partition_book {
    std::deque<std::pair<int64_t, int64_t>> cuts;  // (epoch, position), in epoch order
    std::map<std::string, std::deque<std::pair<int64_t, std::string>>> states;  // symbol -> (epoch, state)
    std::multimap<int64_t, std::string> paid;  // max offset -> request id
  };
  std::string group_;
  std::map<int32_t, partition_book> parts_;
};

/// A partition's changelog read back.
struct restored_partition {
  int64_t position = -1;  // where the newest cut is (-1: none): consumption resumes there
  std::map<std::string, std::string> states;  // symbol -> newest state
  std::map<std::string, std::string> paid;    // request id -> paid answer (encode_paid)
  int64_t records = 0;
  int64_t bytes = 0;
  /// Symbol records of the newest cut that are not there (the writer died mid-cut): those
  /// symbols keep the state of their previous cut.
  int64_t missing = 0;
};
/// Applies one record of `group`, in log order; false when it is not one (another group's, or
/// not a changelog record).
bool fold_changelog(restored_partition& into, const std::string& group, const std::string& key,
                    const std::string& value);

}  // namespace tickgate
