#include <rocksdb/convenience.h>
#include <rocksdb/compaction_filter.h>
#include <rocksdb/db.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/write_batch.h>

#include <array>
#include <cstring>
#include <filesystem>
#include <mutex>

#include "storage/kv_store.hpp"

namespace tickgate {

namespace {

rocksdb::Slice slice(std::string_view s) { return {s.data(), s.size()}; }

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

/// Drops what a column's expiry rule says is expired when compaction rewrites it. One per
/// column, shared by RocksDB's compaction threads: the rule is swapped under a mutex.
class expiry_filter final : public rocksdb::CompactionFilter {
 public:
  bool Filter(int, const rocksdb::Slice& key, const rocksdb::Slice& value, std::string*,
              bool*) const override {
    std::shared_ptr<const kv_store::expiry_rule> rule;
    {
      std::lock_guard guard{mutex_};
      rule = rule_;
    }
    return rule && (*rule)(key.ToStringView(), value.ToStringView());
  }
  const char* Name() const override { return "tickgate.expiry"; }
  void set(kv_store::expiry_rule r) {
    auto next = r ? std::make_shared<const kv_store::expiry_rule>(std::move(r)) : nullptr;
    std::lock_guard guard{mutex_};
    rule_ = std::move(next);
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const kv_store::expiry_rule> rule_;
};

/// The decision log's keys are <4-byte day><symbol>\0<ts><partition><offset>: one symbol's
/// records of a day arrive in time order, so each insert lands right after the previous one of
/// the same "<day><symbol>\0". With this as the memtable's hint prefix the skip list starts
/// its search there instead of at the head (the insert was the sink's largest cost).
class day_symbol_prefix final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "tickgate.day_symbol_prefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return rocksdb::Slice(key.data(), end_of_prefix(key));
  }
  bool InDomain(const rocksdb::Slice& key) const override { return end_of_prefix(key) > 0; }

 private:
  /// Length of "<day><symbol>\0", or 0 when the key has no NUL after the day.
  static size_t end_of_prefix(const rocksdb::Slice& key) {
    if (key.size() <= 4) return 0;
    const void* nul = std::memchr(key.data() + 4, '\0', key.size() - 4);
    return nul ? static_cast<size_t>(static_cast<const char*>(nul) - key.data()) + 1 : 0;
  }
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
    // Columns written rarely (state, ledger) would otherwise hold every WAL file since their
    // last flush: past this, the columns behind the oldest WAL file are flushed.
    opts.max_total_wal_size = 64ull << 20;
    // The hint below is ignored under concurrent memtable writes; the writers (sink, cache,
    // callers) are few and write in batches, so RocksDB's write group serialises them cheaply.
    opts.allow_concurrent_memtable_write = false;
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    cfs.emplace_back(rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions{});
    rocksdb::ColumnFamilyOptions cf_opts;
    cf_opts.merge_operator = std::make_shared<counters_add_operator>();
    // The decision log is written once and read rarely: bigger memtables and universal
    // compaction keep the write amplification (and the background CPU it costs) down; LZ4 as
    // it is written, ZSTD once it settles. 32 MB of memtable is about 250,000 ticks.
    rocksdb::ColumnFamilyOptions log_opts = cf_opts;
    log_opts.write_buffer_size = 32ull << 20;
    log_opts.compaction_style = rocksdb::kCompactionStyleUniversal;
    log_opts.compression = rocksdb::kLZ4Compression;
    log_opts.bottommost_compression = rocksdb::kZSTD;
    log_opts.memtable_insert_with_hint_prefix_extractor = std::make_shared<day_symbol_prefix>();
    for (int i = 0; i < static_cast<int>(column::count_); ++i) {
      filters_[static_cast<size_t>(i)] = std::make_unique<expiry_filter>();
      auto opts_i = static_cast<column>(i) == column::decisions ? log_opts : cf_opts;
      opts_i.compaction_filter = filters_[static_cast<size_t>(i)].get();
      // Cold files are compacted (and so filtered) at least once a day of wall time.
      opts_i.periodic_compaction_seconds = 24 * 3600;
      cfs.emplace_back(to_string(static_cast<column>(i)), opts_i);
    }
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
    // The batch's bytes at once: grown record by record, its buffer was copied over and over.
    size_t bytes = 12;  // sequence and count
    for (auto& op : batch.ops()) bytes += op.key.size() + op.value.size() + 16;  // tag, column, lengths
    rocksdb::WriteBatch wb(bytes);
    for (auto& op : batch.ops()) {
      switch (op.what) {
        case write_batch::kind::put: check(wb.Put(handle(op.col), slice(op.key), slice(op.value)), "batch put"); break;
        case write_batch::kind::erase: check(wb.Delete(handle(op.col), slice(op.key)), "batch delete"); break;
        case write_batch::kind::add: check(wb.Merge(handle(op.col), slice(op.key), slice(op.value)), "batch merge"); break;
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

  void scan_range(column c, std::string_view begin, std::string_view end,
                  const std::function<bool(std::string_view, std::string_view)>& fn) override {
    rocksdb::ReadOptions ro;
    rocksdb::Slice upper(end.data(), end.size());
    if (!end.empty()) ro.iterate_upper_bound = &upper;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, handle(c)));
    for (it->Seek(rocksdb::Slice(begin.data(), begin.size())); it->Valid(); it->Next())
      if (!fn(it->key().ToStringView(), it->value().ToStringView())) break;
    check(it->status(), "scan");
  }

  void drop_range(column c, std::string_view begin, std::string_view end) override {
    const rocksdb::Slice b(begin.data(), begin.size()), e(end.data(), end.size());
    // Whole files first (no rewrite), then a tombstone over what is left in the range.
    check(rocksdb::DeleteFilesInRange(db_.get(), handle(c), &b, &e, /*include_end=*/false),
          "delete files in range");
    check(db_->DeleteRange(write_opts_, handle(c), b, e), "delete range");
  }

  void set_expiry(column c, expiry_rule expired) override {
    filters_[static_cast<size_t>(c)]->set(std::move(expired));
  }

  void compact(column c) override {
    rocksdb::CompactRangeOptions o;
    o.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    check(db_->CompactRange(o, handle(c), nullptr, nullptr), "compact");
  }

  uint64_t size_bytes(column c) override {
    uint64_t sst = 0, mem = 0;
    db_->GetIntProperty(handle(c), rocksdb::DB::Properties::kLiveSstFilesSize, &sst);
    db_->GetIntProperty(handle(c), rocksdb::DB::Properties::kCurSizeAllMemTables, &mem);
    return sst + mem;
  }

 private:
  rocksdb::ColumnFamilyHandle* handle(column c) { return handles_[1 + static_cast<size_t>(c)]; }

  // Declared before the DB: they outlive it (RocksDB holds raw pointers to them).
  std::array<std::unique_ptr<expiry_filter>, static_cast<size_t>(column::count_)> filters_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::WriteOptions write_opts_;
};

}  // namespace

std::unique_ptr<kv_store> open_rocksdb_store(const std::string& dir, bool sync_writes) {
  return std::make_unique<rocksdb_store>(dir, sync_writes);
}

}  // namespace tickgate
