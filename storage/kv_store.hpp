#pragma once
// One key-value interface for everything tickgate keeps: analyses, response cache, cost
// ledger, processing state and the decision log, each in its own column.
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tickgate {

enum class column : uint8_t { analyses = 0, cache, ledger, state, decisions, count_ };

inline const char* to_string(column c) {
  switch (c) {
    case column::analyses: return "analyses";
    case column::cache: return "cache";
    case column::ledger: return "ledger";
    case column::state: return "state";
    case column::decisions: return "decisions";
    case column::count_: break;
  }
  return "?";
}

/// Counters stored as a packed vector of little-endian int64; merges add element-wise (a
/// shorter vector counts as zeros), so one merge updates a whole aggregate atomically.
inline std::string pack_counters(const std::vector<int64_t>& v) {
  std::string out(v.size() * 8, '\0');
  for (size_t i = 0; i < v.size(); ++i)
    for (int b = 0; b < 8; ++b)
      out[i * 8 + b] = static_cast<char>((static_cast<uint64_t>(v[i]) >> (8 * b)) & 0xff);
  return out;
}
inline std::vector<int64_t> unpack_counters(std::string_view s) {
  std::vector<int64_t> out(s.size() / 8, 0);
  for (size_t i = 0; i < out.size(); ++i) {
    uint64_t u = 0;
    for (int b = 0; b < 8; ++b) u |= static_cast<uint64_t>(static_cast<unsigned char>(s[i * 8 + b])) << (8 * b);
    out[i] = static_cast<int64_t>(u);
  }
  return out;
}
inline std::string add_counters(std::string_view a, std::string_view b) {
  auto x = unpack_counters(a), y = unpack_counters(b);
  if (x.size() < y.size()) x.resize(y.size(), 0);
  for (size_t i = 0; i < y.size(); ++i) x[i] += y[i];
  return pack_counters(x);
}

/// An I/O failure of the store; the sink cannot go on without its store, so this is fatal there.
class storage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Puts and deletes applied atomically, across columns.
/// The batch holds the bytes its operations name; moving it keeps them where they are, copying
/// it is not allowed (the copy's operations would name the original's bytes).
class write_batch {
 public:
  enum class kind : uint8_t { put, erase, add };
  struct op {
    column col;
    std::string_view key;  // bytes held by the batch
    std::string_view value;
    kind what = kind::put;
  };
  write_batch() = default;
  write_batch(write_batch&&) = default;
  write_batch& operator=(write_batch&&) = default;
  write_batch(const write_batch&) = delete;
  write_batch& operator=(const write_batch&) = delete;

  void put(column c, std::string key, std::string value) {
    ops_.push_back({c, keep(std::move(key)), keep(std::move(value)), kind::put});
  }
  /// Takes `bytes` into the batch, without a copy; puts may then name parts of the view returned
  /// (put_kept). Many records of one buffer become one allocation, not two per record.
  std::string_view adopt(std::string bytes) { return keep(std::move(bytes)); }
  /// A put of bytes the batch holds already (parts of a view adopt() returned).
  void put_kept(column c, std::string_view key, std::string_view value) {
    ops_.push_back({c, key, value, kind::put});
  }
  void erase(column c, std::string key) { ops_.push_back({c, keep(std::move(key)), {}, kind::erase}); }
  /// Adds `deltas` element-wise to the counters stored at `key` (see pack_counters).
  void add(column c, std::string key, const std::vector<int64_t>& deltas) {
    ops_.push_back({c, keep(std::move(key)), keep(pack_counters(deltas)), kind::add});
  }
  const std::vector<op>& ops() const { return ops_; }
  bool empty() const { return ops_.empty(); }
  size_t size() const { return ops_.size(); }
  void clear() {
    ops_.clear();
    bytes_.clear();
  }

 private:
  // A deque: its elements stay where they are as more are added (a short string's bytes live
  // inside the element).
  std::string_view keep(std::string s) { return bytes_.emplace_back(std::move(s)); }
  std::vector<op> ops_;
  std::deque<std::string> bytes_;
};

/// The store; implementations are thread-safe.
class kv_store {
 public:
  virtual ~kv_store() = default;
  /// True and fills `value` when the key exists.
  virtual bool get(column c, std::string_view key, std::string& value) = 0;
  virtual void write(const write_batch& batch) = 0;
  /// Calls `fn` for each key with the prefix in key order until it returns false.
  virtual void scan(column c, std::string_view prefix,
                    const std::function<bool(std::string_view, std::string_view)>& fn) = 0;
  /// Calls `fn` for each key in [begin, end) in key order until it returns false; an empty
  /// `end` means to the last key.
  virtual void scan_range(column c, std::string_view begin, std::string_view end,
                          const std::function<bool(std::string_view, std::string_view)>& fn) = 0;
  /// Deletes every key in [begin, end) (retention): on disk, files wholly in the range are
  /// dropped at once and the rest is covered by a range tombstone, no scan.
  virtual void drop_range(column c, std::string_view begin, std::string_view end) = 0;
  /// Retention by content: from now on a record of column `c` for which `expired(key, value)`
  /// is true may be deleted. RocksDB applies it when compaction rewrites the record (no scan;
  /// cold files are revisited at least daily); `compact` applies it to the whole column now.
  /// The rule is called from background threads and must be thread-safe; merge results
  /// (counters) are never expired.
  using expiry_rule = std::function<bool(std::string_view key, std::string_view value)>;
  virtual void set_expiry(column c, expiry_rule expired) = 0;
  virtual void compact(column c) = 0;
  /// Bytes the column takes (RocksDB: live SST files plus memtables; memory: keys + values).
  virtual uint64_t size_bytes(column c) = 0;
  void put(column c, std::string key, std::string value) {
    write_batch b;
    b.put(c, std::move(key), std::move(value));
    write(b);
  }
};

/// RocksDB at `dir`, one column family per column. Throws storage_error when it cannot open.
std::unique_ptr<kv_store> open_rocksdb_store(const std::string& dir, bool sync_writes);
/// A std::map per column; for tests and the dry-run backtest.
std::unique_ptr<kv_store> make_memory_store();
/// A view of `base` (which must outlive it) kept under `prefix` in base's state column: each
/// column of the view is "<prefix><column>/..." there (e.g. the cluster's cost ledger).
std::unique_ptr<kv_store> make_prefixed_store(kv_store& base, std::string prefix);

}  // namespace tickgate
