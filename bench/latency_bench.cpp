// Decision latency: wall time from a tick entering the prioritise actor to its decisions
// arriving at the sink, through the real CAF actors of one shard (prioritise -> change ->
// sampling -> batching), at a fixed offered rate. The sink and cache are stand-ins that only
// record arrival (the durable write after that is the ledger bench's business).
//   build/bench/latency_bench [ticks_per_second] [ticks]   (default 20000 200000)
// Ticks: the real trade session, repeated with renamed symbols as needed.
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "actors/batching/batching_actor.hpp"
#include "actors/change/change_actor.hpp"
#include "actors/prioritise/prioritise_actor.hpp"
#include "actors/sampling/sampling_actor.hpp"
#include "app/feeds/csv_feed.hpp"

using namespace tickgate;
using clock_type = std::chrono::steady_clock;

namespace {

struct timing {
  std::vector<clock_type::time_point> sent;
  std::vector<int64_t> latency_ns;
  std::atomic<int64_t> received{0};
};

sink_actor::behavior_type recording_sink(sink_actor::pointer, timing* t) {
  return {
      [=](decision_rows& d) {
        const auto now = clock_type::now();
        for (auto offset : d.offsets) {
          const auto i = static_cast<size_t>(offset);
          t->latency_ns[i] = std::chrono::duration_cast<std::chrono::nanoseconds>(now - t->sent[i]).count();
        }
        t->received.fetch_add(static_cast<int64_t>(d.size()), std::memory_order_release);
      },
      [](request_outcome&) {},
      [](checkpoint_mark&) {},
      [](checkpoint_due&) {},
      [](drained_atom, int32_t) {},
      [](flush_atom) {},
  };
}

cache_actor::behavior_type quiet_cache(cache_actor::pointer, int) {
  return {[](llm_request&) {}, [](cache_store&) {}, [](cache_invalidate&) {}, [](budget_level_changed&) {}, [](flush_atom) {}};
}

int64_t pct(const std::vector<int64_t>& sorted, double p) {
  auto rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

}  // namespace

int main(int argc, char** argv) {
  const double rate = argc > 1 ? std::atof(argv[1]) : 20'000;
  const size_t n = argc > 2 ? static_cast<size_t>(std::atol(argv[2])) : 200'000;
  const auto real = read_csv_ticks(std::string(TICKGATE_SOURCE_DIR) + "/data/sample/hf_multitrade_2014-09-17.csv",
                                   {"trades", "America/New_York", ""});
  std::vector<tick> ticks;
  for (size_t i = 0; ticks.size() < n; ++i) {
    tick t = real[i % real.size()];
    t.symbol += "." + std::to_string(i / real.size());
    t.partition = 0;
    t.offset = static_cast<int64_t>(ticks.size());
    ticks.push_back(std::move(t));
  }
  timing tm;
  tm.sent.resize(n);
  tm.latency_ns.resize(n);

  caf::actor_system_config sys_cfg;
  sys_cfg.set("scheduler.max-threads", 2);
  sys_cfg.set("logger.console", caf::atom("none"));
  caf::actor_system sys{sys_cfg};
  stats_registry stats;
  pipeline_env env;
  env.cfg = load_config(std::string(TICKGATE_SOURCE_DIR) + "/config/default.json", {});
  env.stats = &stats;
  {
    auto sink = sys.spawn(recording_sink, &tm);
    auto cache = sys.spawn(quiet_cache, 0);
    auto batching = spawn_batching(sys, env, 0, cache, sink);
    auto sampling = spawn_sampling(sys, env, batching);
    auto change = spawn_change(sys, env, sampling);
    auto prio = spawn_prioritise(sys, env, change);
    const auto gap = std::chrono::nanoseconds(static_cast<int64_t>(1e9 / rate));
    const auto start = clock_type::now();
    for (size_t i = 0; i < n; ++i) {
      const auto due = start + gap * static_cast<int64_t>(i);
      while (clock_type::now() < due) {  // paced sender: spin the last microseconds
        if (due - clock_type::now() > std::chrono::microseconds(200)) std::this_thread::sleep_for(std::chrono::microseconds(100));
      }
      tm.sent[i] = clock_type::now();
      caf::anon_send(prio, ticks[i]);
    }
    const auto offered_s = std::chrono::duration<double>(clock_type::now() - start).count();
    while (tm.received.load(std::memory_order_acquire) < static_cast<int64_t>(n)) std::this_thread::yield();
    for (auto h : {caf::actor_cast<caf::actor>(prio), caf::actor_cast<caf::actor>(change),
                   caf::actor_cast<caf::actor>(sampling), caf::actor_cast<caf::actor>(batching),
                   caf::actor_cast<caf::actor>(cache), caf::actor_cast<caf::actor>(sink)})
      caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
    auto lat = tm.latency_ns;
    std::sort(lat.begin(), lat.end());
    std::printf("latency_bench: %zu ticks offered at %.0f/s (achieved %.0f/s), one shard of CAF actors, "
                "2 scheduler threads\n", n, rate, static_cast<double>(n) / offered_s);
    std::printf("  tick in -> decisions at sink: p50 %.1f us, p99 %.1f us, p999 %.1f us, max %.1f us\n",
                pct(lat, 50) / 1e3, pct(lat, 99) / 1e3, pct(lat, 99.9) / 1e3, lat.back() / 1e3);
  }
  sys.await_all_actors_done();
  return 0;
}
