// A view of a store kept under a key prefix of its state column: every column of the view
// maps to "<prefix><column>/" there, so nothing that scans the real columns sees it.
#include "storage/kv_store.hpp"

namespace tickgate {
namespace {

class prefixed_store final : public kv_store {
 public:
  prefixed_store(kv_store& base, std::string prefix) : base_(base), prefix_(std::move(prefix)) {}
  bool get(column c, std::string_view key, std::string& value) override {
    return base_.get(column::state, full(c, key), value);
  }
  void write(const write_batch& batch) override {
    write_batch mapped;
    for (auto& op : batch.ops()) {
      switch (op.what) {
        case write_batch::kind::put: mapped.put(column::state, full(op.col, op.key), std::string(op.value)); break;
        case write_batch::kind::erase: mapped.erase(column::state, full(op.col, op.key)); break;
        case write_batch::kind::add:
          mapped.add(column::state, full(op.col, op.key), unpack_counters(op.value));
          break;
      }
    }
    base_.write(mapped);
  }
  void scan(column c, std::string_view prefix,
            const std::function<bool(std::string_view, std::string_view)>& fn) override {
    const std::string head = full(c, "");
    base_.scan(column::state, full(c, prefix),
               [&](std::string_view k, std::string_view v) { return fn(k.substr(head.size()), v); });
  }

  void scan_range(column c, std::string_view begin, std::string_view end,
                  const std::function<bool(std::string_view, std::string_view)>& fn) override {
    const std::string head = full(c, "");
    base_.scan_range(column::state, full(c, begin), end.empty() ? past(c) : full(c, end),
                     [&](std::string_view k, std::string_view v) { return fn(k.substr(head.size()), v); });
  }
  void drop_range(column c, std::string_view begin, std::string_view end) override {
    base_.drop_range(column::state, full(c, begin), end.empty() ? past(c) : full(c, end));
  }

  /// The view shares its base's state column: retention of the base's state column covers it
  /// (a rule for the view's column would have to see every key of the base's).
  void set_expiry(column, expiry_rule) override {}
  void compact(column) override { base_.compact(column::state); }
  uint64_t size_bytes(column c) override {
    uint64_t n = 0;
    scan(c, "", [&](std::string_view k, std::string_view v) {
      n += k.size() + v.size();
      return true;
    });
    return n;
  }

 private:
  /// The first key after every key of column `c` of the view ("<prefix><column>0": '0' follows '/').
  std::string past(column c) const {
    std::string out = full(c, "");
    out.back() = '0';
    return out;
  }
  std::string full(column c, std::string_view key) const {
    std::string out = prefix_;
    out += to_string(c);
    out += '/';
    out += key;
    return out;
  }
  kv_store& base_;
  std::string prefix_;
};

}  // namespace

std::unique_ptr<kv_store> make_prefixed_store(kv_store& base, std::string prefix) {
  return std::make_unique<prefixed_store>(base, std::move(prefix));
}

}  // namespace tickgate
