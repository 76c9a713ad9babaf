#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "actors/sink/ledger.hpp"
#include "actors/sink/records.hpp"
#include "support/paid_outcome.hpp"

using namespace tickgate;

namespace {

std::unique_ptr<kv_store> make_store(bool rocks) {
  if (!rocks) return make_memory_store();
  static int n = 0;
  auto dir = std::filesystem::temp_directory_path() /
             ("tickgate_ledger_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
  std::filesystem::remove_all(dir);
  return open_rocksdb_store(dir.string(), false);
}

request_outcome outcome(const std::string& id, int64_t ts, std::vector<std::string> symbols,
                        picousd cost) {
  return tickgate::testing::paid_outcome(id, ts, symbols, cost);
}

class ledger : public ::testing::TestWithParam<bool> {
 protected:
  std::unique_ptr<kv_store> store = make_store(GetParam());
  bool write(const request_outcome& o) {
    write_batch b;
    bool fresh = add_to_ledger(*store, o, b);
    store->write(b);
    return fresh;
  }
};

constexpr int64_t k_mar1 = 1677628800000;  // 2023-03-01T00:00:00Z

}  // namespace

TEST_P(ledger, record_and_aggregates_by_hand) {
  ASSERT_TRUE(write(outcome("r1", k_mar1 + 1000, {"ETF", "AAA"}, 165'000'001)));
  ASSERT_TRUE(write(outcome("r2", k_mar1 + 86'400'000, {"ETF"}, 100)));  // next day, same month
  std::string rec;
  EXPECT_TRUE(store->get(column::ledger, "r1", rec));
  auto day1 = ledger_aggregate(*store, "agg/day/2023-03-01/total");
  EXPECT_EQ(day1[lf_requests], 1);
  EXPECT_EQ(day1[lf_cost], 165'000'001);
  EXPECT_EQ(day1[lf_input], 800);
  EXPECT_EQ(day1[lf_cached], 200);
  EXPECT_EQ(day1[lf_output], 51);
  auto month = ledger_aggregate(*store, "agg/month/2023-03/total");
  EXPECT_EQ(month[lf_requests], 2);
  EXPECT_EQ(month[lf_cost], 165'000'101);
  EXPECT_EQ(ledger_aggregate(*store, "agg/day/2023-03-02/model/gpt-4o-mini")[lf_cost], 100);
  EXPECT_EQ(ledger_aggregate(*store, "agg/month/2023-03/agent/market_regime")[lf_requests], 2);
  // Symbol shares of the batch: 165,000,001 split 82,500,001 + 82,500,000.
  EXPECT_EQ(ledger_aggregate(*store, "agg/day/2023-03-01/symbol/ETF")[lf_cost], 82'500'001);
  EXPECT_EQ(ledger_aggregate(*store, "agg/day/2023-03-01/symbol/AAA")[lf_cost], 82'500'000);
  EXPECT_EQ(ledger_aggregate(*store, "agg/day/2023-03-01/symbol/ETF")[lf_output], 26);
  EXPECT_EQ(ledger_aggregate(*store, "agg/day/2023-03-01/symbol/AAA")[lf_output], 25);
}

TEST_P(ledger, same_request_id_twice_changes_nothing) {
  ASSERT_TRUE(write(outcome("r1", k_mar1, {"ETF"}, 500)));
  auto before = ledger_aggregate(*store, "agg/day/2023-03-01/total");
  EXPECT_FALSE(write(outcome("r1", k_mar1, {"ETF"}, 500)));
  EXPECT_FALSE(write(outcome("r1", k_mar1, {"ETF"}, 999)));  // even with other numbers
  EXPECT_EQ(ledger_aggregate(*store, "agg/day/2023-03-01/total"), before);
  EXPECT_EQ(before[lf_cost], 500);
}

TEST_P(ledger, property_dimensions_sum_to_the_total) {
  std::mt19937_64 rng(17);
  const std::vector<std::string> symbols{"A", "B", "C", "D"};
  int64_t expect_cost = 0;
  for (int i = 0; i < 300; ++i) {
    std::vector<std::string> syms;
    for (size_t k = 0; k <= rng() % 3; ++k) syms.push_back(symbols[rng() % symbols.size()]);
    auto o = outcome("r" + std::to_string(rng() % 200), k_mar1 + static_cast<int64_t>(rng() % 1000),
                     syms, static_cast<picousd>(rng() % 1'000'000));
    o.agent = (rng() % 2) ? "a1" : "a2";
    write_batch b;
    if (add_to_ledger(*store, o, b)) expect_cost += o.cost;  // duplicates ignored
    store->write(b);
  }
  auto total = ledger_aggregate(*store, "agg/day/2023-03-01/total");
  EXPECT_EQ(total[lf_cost], expect_cost);
  int64_t by_agent = 0, by_symbol = 0;
  for (auto a : {"a1", "a2"}) by_agent += ledger_aggregate(*store, "agg/day/2023-03-01/agent/" + std::string(a))[lf_cost];
  for (auto& s : symbols) by_symbol += ledger_aggregate(*store, "agg/day/2023-03-01/symbol/" + s)[lf_cost];
  EXPECT_EQ(by_agent, expect_cost);
  EXPECT_EQ(by_symbol, expect_cost);
}

INSTANTIATE_TEST_SUITE_P(stores, ledger, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "rocksdb" : "memory"; });

TEST_P(ledger, writer_folds_a_batch_into_one_merge_per_key) {
  ledger_writer w(*store);
  EXPECT_TRUE(w.add(outcome("a", k_mar1, {"ETF"}, 10)));
  EXPECT_TRUE(w.add(outcome("b", k_mar1, {"ETF", "AAA"}, 20)));
  EXPECT_FALSE(w.add(outcome("a", k_mar1, {"ETF"}, 10)));  // staged already
  write_batch b;
  w.flush_into(b);
  size_t merges = 0;
  for (auto& op : b.ops()) merges += op.what == write_batch::kind::add;
  // 2 periods x (total, agent, provider, model, ETF, AAA) = 12 keys, one merge each.
  EXPECT_EQ(merges, 12u);
  store->write(b);
  auto total = ledger_aggregate(*store, "agg/day/2023-03-01/total");
  EXPECT_EQ(total[lf_requests], 2);
  EXPECT_EQ(total[lf_cost], 30);
  EXPECT_EQ(ledger_aggregate(*store, "agg/day/2023-03-01/symbol/ETF")[lf_cost], 20);  // 10 + 10
  EXPECT_FALSE(w.add(outcome("b", k_mar1, {"ETF"}, 20)));  // now in the store
}

// The cluster's ledger is folded from ai.costs records: read back, a record gives the same
// aggregates as the outcome it was written from, and the view kept under a prefix leaves the
// real columns untouched.
TEST_P(ledger, a_published_record_folds_into_the_same_aggregates_in_a_prefixed_view) {
  auto view = make_prefixed_store(*store, "cluster/");
  const auto o = outcome("r-1", k_mar1 + 5000, {"AAPL", "MSFT", "IBM"}, 1'000'000'007);
  request_outcome back;
  ASSERT_TRUE(outcome_from_ledger(encode_ledger(o), back));
  for (kv_store* s : {store.get(), view.get()}) {
    write_batch b;
    ASSERT_TRUE(add_to_ledger(*s, s == store.get() ? o : back, b));
    s->write(b);
  }
  for (const std::string& key : {std::string("agg/day/2023-03-01/total"), "agg/month/2023-03/agent/" + o.agent,
                   "agg/day/2023-03-01/model/" + o.model})
    EXPECT_EQ(ledger_aggregate(*view, key), ledger_aggregate(*store, key)) << key;
  // A symbol's share, by hand (the gateway's split: the remainder to the first items): MSFT is
  // the second of three; 1,000,000,007 pUSD, 200 cached and 51 output tokens.
  const auto msft = ledger_aggregate(*view, "agg/day/2023-03-01/symbol/MSFT");
  EXPECT_EQ(msft[lf_requests], 1);
  EXPECT_EQ(msft[lf_cost], 333'333'336);
  EXPECT_EQ(msft[lf_cached], 67);
  EXPECT_EQ(msft[lf_output], 17);
  // Folding it again changes nothing (a re-published record counts once).
  write_batch again;
  EXPECT_FALSE(add_to_ledger(*view, back, again));
  // The real ledger column holds only the instance's own record and aggregates.
  size_t own = 0, cluster = 0;
  store->scan(column::ledger, "", [&](std::string_view, std::string_view) { return ++own, true; });
  view->scan(column::ledger, "", [&](std::string_view k, std::string_view) {
    EXPECT_EQ(k.find("cluster/"), std::string_view::npos);
    return ++cluster, true;
  });
  EXPECT_EQ(own, cluster);
  EXPECT_FALSE(outcome_from_ledger("{\"request_id\":7}", back));
  EXPECT_FALSE(outcome_from_ledger("not json", back));
}
