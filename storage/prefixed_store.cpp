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
        case write_batch::kind::put: mapped.put(column::state, full(op.col, op.key), op.value); break;
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

 private:
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
