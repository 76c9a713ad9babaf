// Ledger write throughput and response-cache lookup latency, on RocksDB on local disk.
//   build/bench/ledger_cache_bench [records]
// Prints records/s for ledger writes (record + day/month aggregates by total, agent, provider,
// model and symbol, after the idempotency check): one write batch per request (the callers'
// write-ahead) and 64 requests per batch (the sink, aggregates folded to one merge per key per
// batch), and p50/p99/p999
// of cache hits from the in-memory LRU and from RocksDB (get + JSON decode).
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "actors/cache/cache_policy.hpp"
#include "actors/sink/ledger.hpp"

using namespace tickgate;
using clk = std::chrono::steady_clock;

namespace {

request_outcome make(int i, std::mt19937_64& rng) {
  static const char* symbols[] = {"ETF", "AAA", "BBB", "BTCUSDT"};
  static const char* agents[] = {"market_regime", "signal_validator", "anomaly_detector",
                                 "portfolio_optimizer"};
  request_outcome o;
  o.request_id = "req-" + std::to_string(i);
  o.agent = agents[rng() % 4];
  o.source = "llm";
  o.provider = "openai";
  o.model = "gpt-4o-mini";
  o.event_ts = 1677628800000 + static_cast<int64_t>(i) * 1000;
  o.input_tokens = 800;
  o.cached_tokens = 200;
  o.output_tokens = 50;
  o.cost = 165'000'000;
  analysis a;
  a.request_id = o.request_id;
  a.item.symbol = symbols[rng() % 4];
  a.cost = o.cost;
  o.analyses.push_back(a);
  return o;
}

std::string dir_for(const char* name) {
  auto d = std::filesystem::temp_directory_path() / (std::string("tickgate_bench_") + name);
  std::filesystem::remove_all(d);
  return d.string();
}

void percentiles(const char* what, std::vector<double>& ns) {
  std::sort(ns.begin(), ns.end());
  auto at = [&](double q) { return ns[static_cast<size_t>(q * static_cast<double>(ns.size() - 1))]; };
  std::printf("%-34s p50 %8.0f ns   p99 %8.0f ns   p999 %8.0f ns   (%zu lookups)\n", what, at(0.5),
              at(0.99), at(0.999), ns.size());
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 200'000;
  std::mt19937_64 rng(1);
  std::vector<request_outcome> outcomes;
  for (int i = 0; i < n; ++i) outcomes.push_back(make(i, rng));

  for (int per_batch : {1, 64}) {
    auto store = open_rocksdb_store(dir_for("ledger"), false);
    auto start = clk::now();
    ledger_writer w(*store);
    write_batch b;
    for (int i = 0; i < n; ++i) {
      w.add(outcomes[static_cast<size_t>(i)]);
      if ((i + 1) % per_batch == 0) {
        w.flush_into(b);
        store->write(b);
        b.clear();
      }
    }
    w.flush_into(b);
    store->write(b);
    double s = std::chrono::duration<double>(clk::now() - start).count();
    std::printf("ledger writes, %2d request(s)/batch   %9.0f records/s (%d records in %.2f s)\n",
                per_batch, n / s, n, s);
  }

  // Cache: 100k entries of a realistic size, then random hits.
  const int entries = 100'000, lookups = 200'000;
  std::string results = R"([{"symbol":"ETF","regime":"ranging","confidence":0.5,"rationale":"quiet tape, narrow range"}])";
  cache_policy mem(1ll << 30, 48ll * 3'600'000);
  auto store = open_rocksdb_store(dir_for("cache"), false);
  for (int i = 0; i < entries; ++i) {
    auto key = "market_regime/v1/ETF/" + std::to_string(i) + "/gpt-4o-mini";
    cached_answer a{"openai", "gpt-4o-mini", results, 0, 300'000, 165'000'000, {"ETF"}};
    store->put(column::cache, key,
               nlohmann::json{{"provider", a.provider}, {"model", a.model}, {"results", a.results_json},
                              {"stored_at", 0}, {"ttl_ms", a.ttl_ms}, {"cost", a.cost_pico},
                              {"symbols", a.symbols}}
                   .dump());
    mem.put(key, std::move(a));
  }
  std::vector<double> mem_ns, db_ns;
  for (int i = 0; i < lookups; ++i) {
    auto key = "market_regime/v1/ETF/" + std::to_string(rng() % entries) + "/gpt-4o-mini";
    auto t0 = clk::now();
    const auto* hit = mem.get(key, 1000);
    auto t1 = clk::now();
    std::string v;
    bool found = store->get(column::cache, key, v);
    auto doc = nlohmann::json::parse(v, nullptr, false);
    auto t2 = clk::now();
    if (!hit || !found || doc.is_discarded()) return 1;
    mem_ns.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count());
    db_ns.push_back(std::chrono::duration<double, std::nano>(t2 - t1).count());
  }
  percentiles("cache hit, memory LRU", mem_ns);
  percentiles("cache hit, RocksDB (get + decode)", db_ns);
  return 0;
}
