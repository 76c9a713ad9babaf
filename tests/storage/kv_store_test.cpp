// One typed suite, run against every kv_store implementation.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <random>

#include "storage/kv_store.hpp"

using namespace tickgate;

namespace {

struct rocksdb_impl {
  static std::unique_ptr<kv_store> make() {
    static int n = 0;
    auto dir = std::filesystem::temp_directory_path() /
               ("tickgate_kv_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
    std::filesystem::remove_all(dir);
    return open_rocksdb_store(dir.string(), false);
  }
};
struct memory_impl {
  static std::unique_ptr<kv_store> make() { return make_memory_store(); }
};

template <class Impl>
class kv_store_suite : public ::testing::Test {
 protected:
  std::unique_ptr<kv_store> store = Impl::make();
};

using impls = ::testing::Types<rocksdb_impl, memory_impl>;
TYPED_TEST_SUITE(kv_store_suite, impls);

}  // namespace

TYPED_TEST(kv_store_suite, put_get_round_trip_with_binary_keys) {
  std::string key("a\0b", 3), value("v\0\xff", 3);
  this->store->put(column::ledger, key, value);
  std::string out;
  ASSERT_TRUE(this->store->get(column::ledger, key, out));
  EXPECT_EQ(out, value);
  EXPECT_FALSE(this->store->get(column::ledger, "a", out));
}

TYPED_TEST(kv_store_suite, columns_are_separate) {
  this->store->put(column::analyses, "k", "1");
  std::string out;
  EXPECT_FALSE(this->store->get(column::ledger, "k", out));
  EXPECT_TRUE(this->store->get(column::analyses, "k", out));
}

// A batch holds the bytes its operations name: short keys and values (kept inside their string),
// long ones, and parts of a buffer it adopted, all still right after many more operations and
// after the batch was moved.
TYPED_TEST(kv_store_suite, a_batch_keeps_its_bytes_through_growth_and_a_move) {
  write_batch b;
  std::string buffer;
  for (int i = 0; i < 300; ++i) buffer += "key" + std::to_string(1000 + i) + "value-" + std::string(i % 40, 'x') + ";";
  const auto kept = b.adopt(std::move(buffer));
  std::map<std::string, std::string> want;
  size_t at = 0;
  for (int i = 0; i < 300; ++i) {
    const auto end = kept.find(';', at);
    const auto part = kept.substr(at, end - at);  // key1000value-...
    b.put_kept(column::decisions, part.substr(0, 7), part.substr(7));
    want[std::string(part.substr(0, 7))] = std::string(part.substr(7));
    at = end + 1;
    b.put(column::cache, "s" + std::to_string(i), std::to_string(i));  // short: inside the string
    want["s" + std::to_string(i)] = std::to_string(i);
  }
  write_batch moved = std::move(b);
  this->store->write(moved);
  for (auto& [k, v] : want) {
    std::string out;
    const auto col = k[0] == 's' ? column::cache : column::decisions;
    ASSERT_TRUE(this->store->get(col, k, out)) << k;
    EXPECT_EQ(out, v) << k;
  }
}

TYPED_TEST(kv_store_suite, batch_across_columns_with_erase) {
  this->store->put(column::state, "gone", "x");
  write_batch b;
  b.put(column::analyses, "a", "1");
  b.put(column::ledger, "a", "2");
  b.erase(column::state, "gone");
  this->store->write(b);
  std::string out;
  EXPECT_TRUE(this->store->get(column::analyses, "a", out));
  EXPECT_TRUE(this->store->get(column::ledger, "a", out));
  EXPECT_EQ(out, "2");
  EXPECT_FALSE(this->store->get(column::state, "gone", out));
}

TYPED_TEST(kv_store_suite, idempotent_rewrite) {
  this->store->put(column::ledger, "req", "rec");
  this->store->put(column::ledger, "req", "rec");
  int n = 0;
  this->store->scan(column::ledger, "", [&](std::string_view, std::string_view) { return ++n, true; });
  EXPECT_EQ(n, 1);
}

TYPED_TEST(kv_store_suite, prefix_scan_in_key_order_and_early_stop) {
  std::mt19937 rng(5);
  std::vector<std::string> keys;
  for (int i = 0; i < 200; ++i) keys.push_back("p/" + std::to_string(rng() % 100000));
  keys.push_back("q/1");
  write_batch b;
  for (auto& k : keys) b.put(column::decisions, k, k);
  this->store->write(b);
  std::vector<std::string> seen;
  this->store->scan(column::decisions, "p/", [&](std::string_view k, std::string_view v) {
    EXPECT_EQ(k, v);
    seen.emplace_back(k);
    return true;
  });
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  keys.pop_back();  // q/1
  EXPECT_EQ(seen, keys);
  int n = 0;
  this->store->scan(column::decisions, "p/", [&](std::string_view, std::string_view) { return ++n < 3; });
  EXPECT_EQ(n, 3);
}

TYPED_TEST(kv_store_suite, counters_add_element_wise_atomically) {
  write_batch b;
  b.add(column::ledger, "agg", {1, 100, -5});
  b.add(column::ledger, "agg", {1, 50});  // shorter: the rest counts as zero
  b.put(column::ledger, "rec", "x");
  this->store->write(b);
  std::string out;
  ASSERT_TRUE(this->store->get(column::ledger, "agg", out));
  EXPECT_EQ(unpack_counters(out), (std::vector<int64_t>{2, 150, -5}));
  write_batch c;
  c.add(column::ledger, "agg", {0, 0, 5, 7});  // longer: extends
  this->store->write(c);
  ASSERT_TRUE(this->store->get(column::ledger, "agg", out));
  EXPECT_EQ(unpack_counters(out), (std::vector<int64_t>{2, 150, 0, 7}));
}

TEST(counters, pack_round_trip_including_negatives_and_extremes) {
  std::vector<int64_t> v{0, -1, INT64_MAX, INT64_MIN, 123456789012345};
  EXPECT_EQ(unpack_counters(pack_counters(v)), v);
}
