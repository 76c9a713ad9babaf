#pragma once
// One key-value interface for everything tickgate keeps: analyses, response cache, cost
// ledger, processing state and the decision log, each in its own column.
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tickgate {

enum class column : uint8_t { analyses = 0, cache, ledger, state, decisions, count_ };
const char* to_string(column c);

/// An I/O failure of the store; the sink cannot go on without its store, so this is fatal there.
class storage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Puts and deletes applied atomically, across columns.
class write_batch {
 public:
  struct op {
    column col;
    std::string key;
    std::string value;
    bool erase = false;
  };
  void put(column c, std::string key, std::string value) {
    ops_.push_back({c, std::move(key), std::move(value), false});
  }
  void erase(column c, std::string key) { ops_.push_back({c, std::move(key), {}, true}); }
  const std::vector<op>& ops() const { return ops_; }
  bool empty() const { return ops_.empty(); }
  size_t size() const { return ops_.size(); }
  void clear() { ops_.clear(); }

 private:
  std::vector<op> ops_;
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

}  // namespace tickgate
