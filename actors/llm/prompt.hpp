#pragma once
// Prompts: the agent's stable system prompt first (so provider prompt caches hit), then the
// states to analyse as compact JSON.
#include <string>

#include "config/config.hpp"
#include "messages/llm_request.hpp"

namespace tickgate {

std::string user_prompt(const agent_config& agent, const llm_request& req);

}  // namespace tickgate
