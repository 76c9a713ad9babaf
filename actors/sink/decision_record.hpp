#pragma once
// The decision log: one compact binary record per tick holding every agent's verdict (action,
// trigger, priority, the change stage's numbers and the reason as codes and numbers), rendered
// back to the same JSON text as before by `tickgate decisions` and the backtest.
//
// A record's key: event day (4 bytes) | symbol | NUL | event time (8) | partition (4) |
// offset (8), all big-endian with the sign bit flipped so byte order is numeric order. Day
// first, so that retention drops whole days at once (DeleteRange, and whole files with
// DeleteFilesInRange); within a day the order is (symbol, event time, offset).
//
// Stored in blocks: a shard writes one RocksDB entry per (event day, symbol) and poll round,
// under the key of its first record plus a hash of its records (8 bytes), holding its records
// in key order (value version 2: the count, then per record its last 20 key bytes and value).
// A RocksDB entry per tick cost more than all the deciding (memtable inserts, flush and
// compaction per key). Blocks of one
// symbol can overlap in time (event time going back across rounds) and a tick re-processed
// after a crash is in two blocks: the reader merges them back into key order, each tick once.
// A lone record (value version 1) is a block of one, so older data dirs read the same.
//
// Agent names are not repeated in every record: a record names its agent table (a hash of the
// config's agent names in order), stored once in the state column at decision_agents_key().
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <unordered_map>
#include <vector>

#include "messages/analysis.hpp"
#include "messages/market_event.hpp"

namespace tickgate {

class kv_store;

constexpr int64_t k_ms_per_day = 86'400'000;

/// The event day of `ts` (epoch ms), floor division.
int64_t event_day(int64_t ts);
/// The 4-byte key prefix of a day: every record of that day starts with it.
std::string decision_day_prefix(int64_t day);
std::string decision_log_key(const tick_work& w);

/// The agent table of a list of agent names, and where it is stored (state column).
uint32_t agent_table_id(const std::vector<std::string>& names);
std::string decision_agents_key(uint32_t table);
std::string encode_agent_table(const std::vector<std::string>& names);

std::string encode_decision_record(const tick_work& w, uint32_t agent_table);

/// A shard's round of decision-log records, in blocks of one (event day, symbol): add() each
/// tick (its bookkeeping goes to `rows` at once), then finish() appends the blocks to `rows`.
class decision_block_builder {
 public:
  explicit decision_block_builder(uint32_t agent_table) : agent_table_(agent_table) {}
  void add(decision_rows& rows, const tick_work& w, int32_t outstanding);
  void finish(decision_rows& rows);

 private:
  struct block {
    int64_t day = 0;
    std::string symbol;
    std::string entries;  // per record: 20 key bytes, varint size, value
    uint32_t count = 0;
    bool sorted = true;
    size_t last_entry = 0;  // where the last record's entry starts
  };
  struct text_hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  block& open_block(int64_t day, const std::string& symbol);
  uint32_t agent_table_;
  // The round's blocks are blocks_[0, used_); the others are kept for their memory (a block a
  // tick when a round has one tick per symbol: no allocation per block once warmed).
  std::vector<block> blocks_;
  size_t used_ = 0;
  std::unordered_map<std::string, size_t, text_hash, std::equal_to<>> by_symbol_;  // first block
  size_t last_ = 0;  // the block the last record went to
};

/// Calls `fn(key, value)` for each block of `rows`, in order, read from `bytes`: rows.bytes, or
/// wherever they were moved.
template <class Fn>
void for_each_decision_block(std::string_view bytes, const decision_rows& rows, Fn&& fn) {
  size_t at = 0;
  for (size_t i = 0; i < rows.key_sizes.size(); ++i) {
    const auto key = bytes.substr(at, rows.key_sizes[i]);
    at += rows.key_sizes[i];
    const auto value = bytes.substr(at, rows.value_sizes[i]);
    at += rows.value_sizes[i];
    fn(key, value);
  }
}
template <class Fn>
void for_each_decision_block(const decision_rows& rows, Fn&& fn) {
  for_each_decision_block(rows.bytes, rows, std::forward<Fn>(fn));
}

/// The key of the first (smallest) record of a stored entry (a block's key without its hash).
std::string_view decision_entry_first_key(std::string_view key, std::string_view value);

/// The records of one stored entry (a block or a lone record): `fn(key, value)` for each, in
/// the block's order. False when the entry is malformed (records before the fault were passed).
bool for_each_decision_entry(std::string_view key, std::string_view value,
                             const std::function<void(std::string_view, std::string_view)>& fn);

/// Stored entries in key order in, records in key order out, each key once (the first
/// written). A record is passed on once no later entry can hold a smaller key: entries are
/// ordered by their smallest record.
class decision_merge {
 public:
  using emit_fn = std::function<bool(std::string_view key, std::string_view value)>;
  explicit decision_merge(emit_fn emit) : emit_(std::move(emit)) {}
  /// False once `emit` said stop.
  bool feed(std::string_view key, std::string_view value);
  /// Passes what is left; false if `emit` said stop.
  bool finish();
  int64_t bad() const { return bad_; }

 private:
  /// Passes on what is pending below `key` (everything when null); false once emit said stop.
  bool emit_below(const std::string_view* key);
  emit_fn emit_;
  std::map<std::string, std::string, std::less<>> pending_;
  int64_t bad_ = 0;
};

/// A record read back: the tick's fields the text needs, its verdicts, and its agent table.
struct decision_record {
  tick_work work;  // t.symbol, t.ts, t.partition, t.offset, t.price, snap.volatility_pct,
                   // events (types), config_version, verdicts
  uint32_t agent_table = 0;
};
bool decode_decision_record(std::string_view key, std::string_view value, decision_record& out);

/// One verdict of the log, as text (the JSON line `tickgate decisions` prints).
struct decision_line {
  const decision_record* record = nullptr;
  const agent_verdict* verdict = nullptr;
  std::string agent;
  std::string text;
};

/// Reads the decision log, rendering each verdict; agent tables are read from the store once.
class decision_log_reader {
 public:
  explicit decision_log_reader(kv_store& store) : store_(store) {}
  /// Every verdict of every record in key order, until `fn` returns false. A record that does
  /// not decode is counted in bad() and skipped.
  void for_each(const std::function<bool(const decision_line&)>& fn);
  /// Every record (its key and value as a lone record would hold them) in key order, each
  /// tick once, undecoded, until `fn` returns false. A damaged block is counted in bad().
  void for_each_record(const std::function<bool(std::string_view key, std::string_view value)>& fn);
  /// The verdicts of `symbol` with event time in [from, to], in (time, offset, agent) order.
  void for_symbol(const std::string& symbol, int64_t from, int64_t to,
                  const std::function<bool(const decision_line&)>& fn);
  int64_t bad() const { return bad_; }

 private:
  const std::string& agent_name(uint32_t table, uint16_t index);
  bool emit(std::string_view key, std::string_view value,
            const std::function<bool(const decision_line&)>& fn);

  kv_store& store_;
  std::vector<std::pair<uint32_t, std::vector<std::string>>> tables_;
  std::string unknown_;
  int64_t bad_ = 0;
};

}  // namespace tickgate
