#pragma once
// Prompts: the agent's stable system prompt first (so provider prompt caches hit), with the key
// of the state fields; then the states to analyse as compact JSON: short keys, absent values
// left out, numbers at the precision that matters (bench/prompt_tokens measures them).
#include <string>

#include "config/config.hpp"
#include "messages/llm_request.hpp"

namespace tickgate {

/// The system prompt of every call of `agent`: its configured prompt and the key of the state
/// fields. Stable, so it goes first and provider prompt caches hit.
std::string system_prompt(const agent_config& agent);

std::string user_prompt(const agent_config& agent, const llm_request& req);

}  // namespace tickgate
