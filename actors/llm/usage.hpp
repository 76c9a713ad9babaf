#pragma once
// Token usage normalised across providers, and its price. Each provider counts differently:
//  - OpenAI: prompt_tokens INCLUDES usage.prompt_tokens_details.cached_tokens;
//  - DeepSeek: prompt_cache_hit_tokens + prompt_cache_miss_tokens == prompt_tokens;
//  - Anthropic: input_tokens EXCLUDES cache_read_input_tokens and cache_creation_input_tokens.
#include <cstdint>

#include <nlohmann/json_fwd.hpp>

#include "common/money.hpp"
#include "config/config.hpp"

namespace tickgate {

/// Disjoint token counts: every prompt token is in exactly one of the first three.
struct token_usage {
  int64_t uncached_input = 0;
  int64_t cache_read = 0;
  int64_t cache_write = 0;
  int64_t output = 0;
  bool present = false;  // the response carried usage at all
  int64_t total_input() const { return uncached_input + cache_read + cache_write; }
};

/// Reads the `usage` object of an OpenAI-compatible response (OpenAI and DeepSeek shapes).
token_usage openai_usage(const nlohmann::json& usage);
/// Reads the `usage` object of an Anthropic Messages response.
token_usage anthropic_usage(const nlohmann::json& usage);

/// Exact cost of `u` at `p`.
picousd price_usage(const token_usage& u, const model_price& p);

}  // namespace tickgate
