#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <filesystem>

#include "storage/kv_store.hpp"

namespace tickgate {

const char* to_string(column c) {
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

namespace {

void check(const rocksdb::Status& s, const char* what) {
  if (!s.ok()) throw storage_error(std::string("rocksdb ") + what + ": " + s.ToString());
}

/// Owns the DB and its column family handles.
class rocksdb_store final : public kv_store {
 public:
  rocksdb_store(const std::string& dir, bool sync) {
    std::filesystem::create_directories(dir);
    rocksdb::Options opts;
    opts.create_if_missing = true;
    opts.create_missing_column_families = true;
    opts.IncreaseParallelism(2);
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    cfs.emplace_back(rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions{});
    for (int i = 0; i < static_cast<int>(column::count_); ++i)
      cfs.emplace_back(to_string(static_cast<column>(i)), rocksdb::ColumnFamilyOptions{});
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    check(rocksdb::DB::Open(opts, dir, cfs, &handles, &db), "open");
    db_.reset(db);
    handles_ = std::move(handles);
    write_opts_.sync = sync;
  }

  ~rocksdb_store() override {
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
    handles_.clear();
    db_->Close();
  }

  bool get(column c, std::string_view key, std::string& value) override {
    auto s = db_->Get(rocksdb::ReadOptions{}, handle(c), rocksdb::Slice(key.data(), key.size()),
                      &value);
    if (s.IsNotFound()) return false;
    check(s, "get");
    return true;
  }

  void write(const write_batch& batch) override {
    rocksdb::WriteBatch wb;
    for (auto& op : batch.ops()) {
      if (op.erase)
        check(wb.Delete(handle(op.col), op.key), "batch delete");
      else
        check(wb.Put(handle(op.col), op.key, op.value), "batch put");
    }
    check(db_->Write(write_opts_, &wb), "write");
  }

  void scan(column c, std::string_view prefix,
            const std::function<bool(std::string_view, std::string_view)>& fn) override {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions{}, handle(c)));
    rocksdb::Slice p(prefix.data(), prefix.size());
    for (it->Seek(p); it->Valid() && it->key().starts_with(p); it->Next())
      if (!fn(it->key().ToStringView(), it->value().ToStringView())) break;
    check(it->status(), "scan");
  }

 private:
  rocksdb::ColumnFamilyHandle* handle(column c) { return handles_[1 + static_cast<size_t>(c)]; }

  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::WriteOptions write_opts_;
};

}  // namespace

std::unique_ptr<kv_store> open_rocksdb_store(const std::string& dir, bool sync_writes) {
  return std::make_unique<rocksdb_store>(dir, sync_writes);
}

}  // namespace tickgate
