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
        case write_batch::kind::put: m[std::string(op.key)] = op.value; break;
        case write_batch::kind::erase: m.erase(std::string(op.key)); break;
        case write_batch::kind::add: {
          auto it = m.find(std::string(op.key));
          m[std::string(op.key)] = it == m.end() ? std::string(op.value) : add_counters(it->second, op.value);
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

  void scan_range(column c, std::string_view begin, std::string_view end,
                  const std::function<bool(std::string_view, std::string_view)>& fn) override {
    std::vector<std::pair<std::string, std::string>> rows;
    {
      std::lock_guard guard{mutex_};
      auto& m = maps_[static_cast<size_t>(c)];
      for (auto it = m.lower_bound(std::string(begin));
           it != m.end() && (end.empty() || std::string_view(it->first) < end); ++it)
        rows.emplace_back(it->first, it->second);
    }
    for (auto& [k, v] : rows)
      if (!fn(k, v)) break;
  }

  void drop_range(column c, std::string_view begin, std::string_view end) override {
    std::lock_guard guard{mutex_};
    auto& m = maps_[static_cast<size_t>(c)];
    m.erase(m.lower_bound(std::string(begin)), m.lower_bound(std::string(end)));
  }

  void set_expiry(column c, expiry_rule expired) override {
    std::lock_guard guard{mutex_};
    rules_[static_cast<size_t>(c)] = std::move(expired);
  }

  void compact(column c) override {
    std::lock_guard guard{mutex_};
    auto& rule = rules_[static_cast<size_t>(c)];
    if (!rule) return;
    std::erase_if(maps_[static_cast<size_t>(c)], [&](const auto& kv) { return rule(kv.first, kv.second); });
  }

  uint64_t size_bytes(column c) override {
    std::lock_guard guard{mutex_};
    uint64_t n = 0;
    for (auto& [k, v] : maps_[static_cast<size_t>(c)]) n += k.size() + v.size();
    return n;
  }

 private:
  std::mutex mutex_;
  std::array<std::map<std::string, std::string>, static_cast<size_t>(column::count_)> maps_;
  std::array<expiry_rule, static_cast<size_t>(column::count_)> rules_;
};

}  // namespace

std::unique_ptr<kv_store> make_memory_store() { return std::make_unique<memory_store>(); }

}  // namespace tickgate
