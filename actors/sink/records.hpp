#pragma once
// The JSON records tickgate writes: analyses (ai.analyses and the analyses column), cost
// ledger entries (ai.costs and the ledger column) and the decision log. Keys are chosen so
// that a column scan is in a stable order.
#include <string>

#include "config/config.hpp"
#include "messages/analysis.hpp"

namespace tickgate {

std::string analysis_key(const std::string& request_id, int32_t part);
std::string encode_analysis(const analysis& a);
std::string encode_ledger(const request_outcome& o);

/// symbol \0 ts (13 digits) \0 partition:offset \0 agent: the same input gives the same keys.
std::string decision_key(const tick_work& w, const std::string& agent);
/// The decision with its reason and the numbers behind it; no wall-clock field, so replays of
/// the same input and config produce the same bytes.
std::string encode_decision(const tick_work& w, const agent_verdict& v, const std::string& agent);

}  // namespace tickgate
