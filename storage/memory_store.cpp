#include <array>
#include <map>
#include <mutex>

#include "storage/kv_store.hpp"

namespace tickgate {
namespace {

/// Everything in std::maps behind one mutex; same semantics as the RocksDB store.
class memory_store final : public kv_store {
 public:
  bool get(column c, std::string_view key, std::string& value) override {
    std::lock_guard guard{mutex_};
    auto& m = maps_[static_cast<size_t>(c)];
    auto it = m.find(std::string(key));
    if (it == m.end()) return false;
    value = it->second;
    return true;
  }

  void write(const write_batch& batch) override {
    std::lock_guard guard{mutex_};
    for (auto& op : batch.ops()) {
      auto& m = maps_[static_cast<size_t>(op.col)];
      switch (op.what) {
        case write_batch::kind::put: m[op.key] = op.value; break;
        case write_batch::kind::erase: m.erase(op.key); break;
        case write_batch::kind::add: {
          auto it = m.find(op.key);
          m[op.key] = it == m.end() ? op.value : add_counters(it->second, op.value);
          break;
        }
      }
    }
  }

  void scan(column c, std::string_view prefix,
            const std::function<bool(std::string_view, std::string_view)>& fn) override {
    std::vector<std::pair<std::string, std::string>> rows;
    {
      std::lock_guard guard{mutex_};
      auto& m = maps_[static_cast<size_t>(c)];
      for (auto it = m.lower_bound(std::string(prefix));
           it != m.end() && std::string_view(it->first).starts_with(prefix); ++it)
        rows.emplace_back(it->first, it->second);
    }
    for (auto& [k, v] : rows)
      if (!fn(k, v)) break;
  }

 private:
  std::mutex mutex_;
  std::array<std::map<std::string, std::string>, static_cast<size_t>(column::count_)> maps_;
};

}  // namespace

std::unique_ptr<kv_store> make_memory_store() { return std::make_unique<memory_store>(); }

}  // namespace tickgate
