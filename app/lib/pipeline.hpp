#pragma once
// Builds one pipeline instance (every actor, wired), runs it until the input is drained or a
// stop is requested, and tears it down. Used by `tickgate run` and by the integration tests.
#include <atomic>
#include <memory>
#include <string>

#include "actors/pipeline_env.hpp"

namespace tickgate {

/// Chooses the provider: an explicit routing.provider, or with "auto" the first in
/// routing.order whose API key is in the environment, else the offline rule-based analyst.
/// Throws config_error when an explicit provider's key is missing.
void resolve_provider(const config& cfg, std::string& provider, std::string& note,
                      std::string& dry_run_model);

/// Runs until drained (env.until_eof) or until `stop` becomes true. Returns wall seconds.
double run_pipeline(const pipeline_env& env, const std::atomic<bool>& stop);

}  // namespace tickgate
