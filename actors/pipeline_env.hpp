#pragma once
// What every actor of one pipeline shares, read-only: config, stats, store, clock mode.
#include <chrono>
#include <functional>
#include <memory>
#include <vector>
#include <string>

#include "common/stats.hpp"
#include "config/config.hpp"
#include "storage/kv_store.hpp"

namespace tickgate {
class shared_estimator;
}

namespace tickgate {

/// Owned by the pipeline; outlives every actor of it.
struct pipeline_env {
  std::shared_ptr<const config> cfg;
  stats_registry* stats = nullptr;
  kv_store* store = nullptr;
  std::string bootstrap;
  bool until_eof = false;   // replay mode: stop when drained; budgets on event time
  /// Per-symbol state and paid answers go to kafka.topics.state (decided at start: the topic
  /// exists with as many partitions as the ticks topic).
  bool changelog = false;
  /// Outside events are read from kafka.topics.events (decided at start: the topic exists with
  /// as many partitions as the ticks topic).
  bool events = false;
  bool requests = false;  // the same for analyses on demand (kafka.topics.requests)
  int64_t max_records = 0;  // > 0: drain and stop after consuming this many records
  std::string provider_note;  // why, for the log and the summary
  std::string dry_run_model;  // what offline answers are priced as
  std::vector<std::string> providers;  // usable providers in routing order; empty: offline
  /// Offline only: a previous run's store; requests found in its ledger are answered from it
  /// (a recorded backtest), the rest priced as a dry run.
  kv_store* recorded = nullptr;
  std::vector<std::string> agent_models;  // per agent: the model routing prefers (cache key)
  /// Cost estimates calibrated on bills (dry-run prices, estimate error); null: the prior.
  std::shared_ptr<shared_estimator> estimator;
  /// Wall clock in ms for rate limits, backoff and breakers; tests inject their own.
  std::function<int64_t()> wall_clock;
  /// wall_clock() when injected, else the system clock (epoch ms).
  int64_t wall_ms() const {
    return wall_clock ? wall_clock()
                      : std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  }
};

}  // namespace tickgate
