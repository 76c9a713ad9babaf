#pragma once
// Prompts: the agent's stable system prompt first (so provider prompt caches hit), then the
// states to analyse as compact JSON.
#include <string>

#include "config/config.hpp"
#include "messages/llm_request.hpp"

namespace tickgate {

/// The system prompt of every call of `agent`: stable, so it goes first and provider prompt
/// caches hit.
std::string system_prompt(const agent_config& agent);

std::string user_prompt(const agent_config& agent, const llm_request& req);

}  // namespace tickgate
