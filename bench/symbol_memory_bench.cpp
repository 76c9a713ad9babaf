// Memory per tracked symbol: the decision stages' state (rolling windows, indicators,
// baselines, sampling clocks, open batches) after an hour of one-minute ticks for each of N
// symbols, measured as resident-set growth (/proc/self/statm) of this process.
//   build/bench/symbol_memory_bench [symbols...]     (default: 10000 100000)
// Prices follow the real trade session (the shipped CSV), shifted per symbol.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "app/feeds/csv_feed.hpp"
#include "bench/stage_chain.hpp"
#include "common/heap_trim.hpp"

using namespace tickgate;

int main(int argc, char** argv) {
  std::vector<int> counts;
  for (int i = 1; i < argc; ++i) counts.push_back(std::atoi(argv[i]));
  if (counts.empty()) counts = {10'000, 100'000};
  const auto real = read_csv_ticks(std::string(TICKGATE_SOURCE_DIR) + "/data/sample/hf_multitrade_2014-09-17.csv",
                                   {"trades", "America/New_York", ""});
  auto cfg = load_config(std::string(TICKGATE_SOURCE_DIR) + "/config/default.json", {});
  constexpr int k_minutes = 60;
  std::printf("symbol_memory_bench: %d one-minute ticks per symbol through the four decision "
              "policies; resident-set growth / symbols\n", k_minutes);
  for (int n : counts) {
    const int64_t before = resident_bytes();
    auto chain = std::make_unique<bench::stage_chain>(cfg);
    std::vector<std::string> names;
    names.reserve(static_cast<size_t>(n));
    for (int s = 0; s < n; ++s) names.push_back("SYM" + std::to_string(s));
    const int64_t t0 = real.front().ts;
    int64_t requests = 0;
    tick t;
    for (int m = 0; m < k_minutes; ++m)
      for (int s = 0; s < n; ++s) {
        const auto& r = real[(static_cast<size_t>(s) * 7919 + static_cast<size_t>(m) * 131) % real.size()];
        t.symbol = names[static_cast<size_t>(s)];
        t.ts = t0 + m * 60'000 + s % 60'000;
        t.price = r.price * (1.0 + (s % 97) / 100.0);
        t.volume = r.volume;
        requests += chain->step(t);
      }
    const int64_t after = resident_bytes();
    const int64_t names_bytes = static_cast<int64_t>(names.capacity() * sizeof(std::string));
    std::printf("  %7d symbols: %8.1f MiB resident growth, %6.0f bytes per symbol (requests formed %lld)\n",
                n, static_cast<double>(after - before) / (1 << 20),
                static_cast<double>(after - before - names_bytes) / n, static_cast<long long>(requests));
    chain.reset();
  }
  return 0;
}
