// Decision stages alone (no actors, no Kafka): prioritise -> change -> sampling -> batching
// policies over real ticks, single core. Prints ticks/s (items_per_second) and ns per tick.
//   build/bench/decision_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <filesystem>

#include "actors/prioritise/prioritise_policy.hpp"
#include "app/feeds/csv_feed.hpp"
#include "bench/stage_chain.hpp"
#include "config/config.hpp"
#include "messages/tick_codec.hpp"

using namespace tickgate;

namespace {

const std::vector<tick>& trades() {
  static const std::vector<tick> ticks = [] {
    std::string shared = std::string(TICKGATE_SOURCE_DIR) + "/../shared/data/ticks/hf_multitrade_2014-09-17.csv";
    std::string path = std::filesystem::exists(shared)
                           ? shared
                           : std::string(TICKGATE_SOURCE_DIR) + "/data/sample/hf_multitrade_2014-09-17.csv";
    return read_csv_ticks(path, {"trades", "America/New_York", ""});
  }();
  return ticks;
}

const std::vector<tick>& bars() {
  static const std::vector<tick> ticks = [] {
    std::string path = std::string(TICKGATE_SOURCE_DIR) + "/../shared/data/bars/BTCUSDT_1m_2023-03-01_2023-03-21.csv";
    if (!std::filesystem::exists(path)) return std::vector<tick>{};
    return read_csv_ticks(path, {"bars", "", ""});
  }();
  return ticks;
}

std::shared_ptr<const config> cfg() {
  static auto c = load_config(std::string(TICKGATE_SOURCE_DIR) + "/config/default.json", {});
  return c;
}

void run_stages(benchmark::State& state, const std::vector<tick>& input) {
  if (input.empty()) {
    state.SkipWithError("data not present");
    return;
  }
  auto c = cfg();
  int64_t calls = 0;
  for (auto _ : state) {
    bench::stage_chain chain(c);
    for (const auto& t : input) calls += chain.step(t);
    calls += chain.finish();
    benchmark::DoNotOptimize(chain.last_request);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(input.size()));
  state.counters["ns_per_tick"] = benchmark::Counter(
      static_cast<double>(state.iterations() * static_cast<int64_t>(input.size())),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["requests_per_pass"] =
      static_cast<double>(calls) / static_cast<double>(state.iterations());
}

void BM_decision_stages_trades(benchmark::State& s) { run_stages(s, trades()); }
void BM_decision_stages_btc_bars(benchmark::State& s) { run_stages(s, bars()); }

void BM_prioritise_only(benchmark::State& state) {
  auto c = cfg();
  const auto& input = trades();
  snapshot snap;
  std::vector<market_event> events;
  for (auto _ : state) {
    prioritise_policy prio(c->events);
    for (const auto& t : input) prio.assess(t, snap, events);
    benchmark::DoNotOptimize(events);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(input.size()));
}

}  // namespace

/// Tick decoding at the door: the session's trades as the publisher writes them (encode_tick),
/// through the fast scanner and through nlohmann's SAX parser (the reference).
void decode_ticks(benchmark::State& s, tick_parser parser) {
  std::vector<std::string> records;
  for (auto& t : trades()) records.push_back(encode_tick(t));
  const tick_limits lim;
  for (auto _ : s)
    for (auto& r : records) benchmark::DoNotOptimize(decode_tick(r, lim, parser));
  s.SetItemsProcessed(static_cast<int64_t>(s.iterations()) * static_cast<int64_t>(records.size()));
}
void BM_decode_tick_fast(benchmark::State& s) { decode_ticks(s, tick_parser::fast); }
void BM_decode_tick_nlohmann(benchmark::State& s) { decode_ticks(s, tick_parser::nlohmann); }

BENCHMARK(BM_decision_stages_trades)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_decision_stages_btc_bars)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_prioritise_only)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_decode_tick_fast)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_decode_tick_nlohmann)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
