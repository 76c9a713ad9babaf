#pragma once
// The backtest report: tickgate's own figures from its ledger and analyses, the naive
// strategies (every tick; a fixed timer per agent) computed from the ticks, coverage of
// significant events for each, as JSON, one self-contained HTML page (inline SVG) and a table.
// Pure: everything comes in as values; nothing here reads a clock.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <functional>

#include "backtest/coverage.hpp"
#include "backtest/judge_grid.hpp"
#include "common/money.hpp"
#include "actors/sink/records.hpp"
#include "config/config.hpp"

namespace tickgate {

/// One analysis as the report reads it back.
struct analysis_row {
  std::string request_id;
  std::string symbol;
  int64_t ts = 0;
};

/// The response cache over a run (from the cache actor's counters).
struct cache_figures {
  int64_t hits = 0;       // requests answered from the cache
  int64_t misses = 0;     // requests below HIGH that found no live answer
  int64_t bypassed = 0;   // HIGH and CRITICAL requests: always fresh, never looked up
  int64_t lookups() const { return hits + misses; }
  double hit_pct() const { return lookups() ? 100.0 * static_cast<double>(hits) / static_cast<double>(lookups()) : 0.0; }
};

/// Estimates against bills over a run (a recorded backtest: the recorded bills).
struct estimate_figures {
  int64_t calls = 0;
  picousd billed = 0;
  picousd estimated = 0;
  picousd abs_error = 0;
  double bytes_per_token = 0;  // what the dry-run model's prompts were priced at, at the end
  bool calibrated = false;     // from bills (else the prior)
  /// (estimated - billed) / billed and sum |estimated - billed| / billed, % (of at least 1 pUSD).
  double error_pct() const { return 100.0 * static_cast<double>(estimated - billed) / billed_at_least_one(); }
  double mean_abs_error_pct() const { return 100.0 * static_cast<double>(abs_error) / billed_at_least_one(); }
  double billed_at_least_one() const { return static_cast<double>(billed > 0 ? billed : 1); }
};

struct backtest_meta {
  std::string input;     // the CSV path or topic
  std::string provider;  // dry-run | recorded | a provider name
  std::string priced_as; // the model dry-run calls are priced as, or "actual"
  int64_t from_ts = 0;   // the range actually replayed (first and last tick)
  int64_t to_ts = 0;
  uint32_t config_version = 1;
  cache_figures cache;
  estimate_figures estimate;
};

struct strategy_figures {
  std::string name;  // tickgate | every_tick | timer_5m | timer_15m
  int64_t calls = 0;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  picousd cost = 0;
  double cache_hit_pct = -1;  // -1: the strategy has no cache
  coverage_figures coverage;
  std::vector<std::pair<int64_t, picousd>> cumulative_cost;  // (ts, cost so far), sampled
  std::map<int64_t, int64_t> calls_per_hour;                  // hour start (ms) -> calls
};

struct symbol_chart {
  std::string symbol;
  std::vector<std::pair<int64_t, double>> prices;  // downsampled
  std::vector<significant_event> events;
  std::vector<std::pair<int64_t, double>> calls;  // tickgate's fresh analyses (ts, price)
};

/// One decision of the log, as the report shows it next to a missed event.
struct decision_note {
  int64_t ts = 0;
  std::string agent;
  std::string action;   // call | batch | skip
  std::string trigger;  // the event type the agent saw
  std::string reason;
};

/// The decisions about `symbol` in [from_ts, to_ts] that an agent was subscribed to.
using decision_lookup =
    std::function<std::vector<decision_note>(const std::string& symbol, int64_t from_ts, int64_t to_ts)>;

/// A significant event without a fresh analysis in its reaction window, and what tickgate
/// decided around it.
struct missed_event {
  significant_event event;
  std::vector<decision_note> around;  // from a minute before to the end of the window, at most 12
};

struct backtest_report {
  backtest_meta meta;
  int64_t ticks = 0;
  int64_t symbols = 0;
  int64_t agents = 0;
  significance_config significance;
  std::string naive_pricing;  // how the naive strategies' calls were priced
  std::map<std::string, int64_t> events_by_kind;
  std::vector<strategy_figures> strategies;  // tickgate first
  std::vector<symbol_chart> charts;
  std::vector<grid_point> grid;       // tickgate's coverage over the judge's grid
  std::vector<missed_event> missed;   // by the base judge, in event-time order
  picousd cache_avoided = 0;          // what the cache's answers would have cost
};

/// `ticks` in event-time order per symbol; `analyses` of every request in `ledger`.
backtest_report build_report(const backtest_meta& meta, const config& cfg,
                             const std::vector<tick>& ticks, const std::vector<ledger_row>& ledger,
                             const std::vector<analysis_row>& analyses,
                             const decision_lookup& decisions = {});

std::string report_json(const backtest_report& r);
std::string report_html(const backtest_report& r);
std::string report_table(const backtest_report& r);

}  // namespace tickgate
