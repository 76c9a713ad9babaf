#pragma once
// The JSON records tickgate writes: analyses (ai.analyses and the analyses column), cost
// ledger entries (ai.costs and the ledger column) and the decision log. Keys are chosen so
// that a column scan is in a stable order.
#include <cstdint>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "messages/analysis.hpp"

namespace tickgate {

std::string analysis_key(const std::string& request_id, int32_t part);
std::string encode_analysis(const analysis& a);
std::string encode_ledger(const request_outcome& o);

/// One ledger record read back (the fields a report or a replay needs).
struct ledger_row {
  std::string request_id;
  std::string agent;
  std::string source;  // llm | cache | rules | ledger | recorded
  std::string error;   // rules: why ("offline" in a dry run)
  int64_t event_ts = 0;
  picousd cost = 0;        // paid
  picousd would_cost = 0;  // dry run
  int64_t input_tokens = 0;   // paid (input incl. cached) or, in a dry run, estimated
  int64_t output_tokens = 0;
  int64_t items = 0;
  picousd avoided = 0;     // a cache hit: what the original answer cost
  std::string provider;
  std::string model;
  /// A provider call, or (dry run) a call the live system would have made.
  bool is_call() const {
    return source == "llm" || source == "ledger" || source == "recorded" ||
           (source == "rules" && error == "offline");
  }
};

/// encode_ledger's inverse for those fields; false when `json` is not a ledger record.
bool decode_ledger(std::string_view json, ledger_row& out);

/// A ledger record (ai.costs) read back as the outcome fields the ledger's aggregates are built
/// from (totals, tokens, the symbols with their shares), so that another instance can fold
/// the cluster's records into aggregates like its own; false when `json` is not one.
bool outcome_from_ledger(std::string_view json, request_outcome& out);

/// One verdict of the decision log as text, with its reason and the numbers behind it; no
/// wall-clock field, so replays of the same input and config give the same bytes. The log on
/// disk is the compact record of decision_record.hpp, rendered back through this.
std::string encode_decision(const tick_work& w, const agent_verdict& v, const std::string& agent);

}  // namespace tickgate
