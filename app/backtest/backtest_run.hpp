#pragma once
// `tickgate backtest`: replays a time range of a topic or a CSV through the whole pipeline on a
// private in-process broker and a fresh store, on event time, then reports cost, calls and
// coverage of significant events against the naive strategies.
#include <cstdint>
#include <string>
#include <vector>

#include "app/feeds/csv_feed.hpp"
#include "backtest/report.hpp"

namespace tickgate {

struct backtest_options {
  std::string config_path;
  std::vector<std::string> sets;  // dotted.path=JSON overrides
  // Input: a CSV, or a topic on `brokers`.
  std::string csv;
  csv_options csv_opts;
  std::string brokers;
  std::string topic;
  int64_t from_ts = INT64_MIN;  // inclusive, event time (record timestamps for a topic)
  int64_t to_ts = INT64_MAX;    // inclusive
  std::string provider = "dry-run";  // dry-run | recorded | a configured provider (real calls)
  std::string recorded_dir;          // recorded: a data dir (with db/) or a report dir (state/db)
  std::string calibration_dir;       // a data dir whose ledger's calibration prices the dry run
  std::string report_dir;            // report.json, report.html, state/ (RocksDB, replaced)
  bool progress = false;             // a progress line on stderr
};

struct backtest_outcome {
  backtest_report report;
  std::string range_method;  // how the topic range was found ("" for a CSV)
  double seconds = 0;        // the pipeline's wall time
};

/// Throws user_error for bad options (names the flag or key), std::runtime_error for I/O.
backtest_outcome run_backtest(const backtest_options& opts);

}  // namespace tickgate
