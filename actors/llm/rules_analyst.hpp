#pragma once
// The rule-based analyst: answers any agent from the numbers alone, at zero cost. Used when no
// provider is configured (offline), when the budget says no, and when every route fails.
#include <string>

#include "config/config.hpp"
#include "messages/llm_request.hpp"

namespace tickgate {

/// One result object (JSON) for `item`, marked "method":"rules".
std::string rules_analysis(const agent_config& agent, const request_item& item,
                           const event_thresholds& t);

}  // namespace tickgate
