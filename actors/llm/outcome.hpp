#pragma once
// Building a request_outcome: one analysis per item, tokens and cost apportioned across the
// items of a batch so that the parts add up exactly to the whole.
#include <string>
#include <vector>

#include "actors/llm/usage.hpp"
#include "config/config.hpp"
#include "messages/analysis.hpp"

namespace tickgate {

request_outcome make_outcome(const config& cfg, const llm_request& req, const std::string& source,
                             const std::string& provider, const std::string& model,
                             const std::vector<std::string>& results, const token_usage& usage,
                             picousd cost);

/// The rule-based answer for every item, source "rules", zero cost; `why` goes to `error`.
request_outcome rules_outcome(const config& cfg, const llm_request& req, const std::string& why);

class shared_estimator;
/// The offline answer (no provider configured or keyed): rules, zero cost, and what
/// `dry_run_model` would have charged for this prompt as `would_cost` (the dry-run price), as
/// `estimator` expects it (calibrated on bills; null: the prior).
request_outcome offline_outcome(const config& cfg, const llm_request& req,
                                const std::string& dry_run_model, shared_estimator* estimator = nullptr);

/// Splits `total` into `parts` integers that differ by at most one and sum to `total`.
int64_t share_of(int64_t total, size_t parts, size_t index);

int64_t now_wall_ms();

}  // namespace tickgate
