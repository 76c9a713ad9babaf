#include <rocksdb/db.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <filesystem>

#include "storage/kv_store.hpp"

namespace tickgate {

namespace {

void check(const rocksdb::Status& s, const char* what) {
  if (!s.ok()) throw storage_error(std::string("rocksdb ") + what + ": " + s.ToString());
}

/// Element-wise int64 addition of packed counter vectors (kv_store's `add`).
class counters_add_operator final : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice&, const rocksdb::Slice* existing, const rocksdb::Slice& value,
             std::string* new_value, rocksdb::Logger*) const override {
    *new_value = existing ? add_counters(existing->ToStringView(), value.ToStringView())
                          : value.ToString();
    return true;
  }
  const char* Name() const override { return "tickgate.counters_add"; }
};

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
    rocksdb::ColumnFamilyOptions cf_opts;
    cf_opts.merge_operator = std::make_shared<counters_add_operator>();
    // The decision log is written once and read rarely: bigger memtables and universal
    // compaction keep the write amplification (and the background CPU it costs) down.
    rocksdb::ColumnFamilyOptions log_opts = cf_opts;
    log_opts.write_buffer_size = 128ull << 20;
    log_opts.compaction_style = rocksdb::kCompactionStyleUniversal;
    for (int i = 0; i < static_cast<int>(column::count_); ++i)
      cfs.emplace_back(to_string(static_cast<column>(i)),
                       static_cast<column>(i) == column::decisions ? log_opts : cf_opts);
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
      switch (op.what) {
        case write_batch::kind::put: check(wb.Put(handle(op.col), op.key, op.value), "batch put"); break;
        case write_batch::kind::erase: check(wb.Delete(handle(op.col), op.key), "batch delete"); break;
        case write_batch::kind::add: check(wb.Merge(handle(op.col), op.key, op.value), "batch merge"); break;
      }
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
