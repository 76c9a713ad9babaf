#pragma once
// Token usage normalised across providers, and its price. Each provider counts differently:
//  - OpenAI: prompt_tokens INCLUDES usage.prompt_tokens_details.cached_tokens;
//  - DeepSeek: prompt_cache_hit_tokens + prompt_cache_miss_tokens == prompt_tokens;
//  - Anthropic: input_tokens EXCLUDES cache_read_input_tokens and cache_creation_input_tokens;
//  - Gemini: promptTokenCount INCLUDES cachedContentTokenCount; thoughts are output.
#include <cstdint>
#include <string>

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
/// Reads the `usageMetadata` of a Gemini generateContent response: promptTokenCount INCLUDES
/// cachedContentTokenCount; thoughtsTokenCount is billed as output.
token_usage gemini_usage(const nlohmann::json& usage_metadata);

/// Exact cost of `u` at `p`.
picousd price_usage(const token_usage& u, const model_price& p);
/// price_usage with every product and sum checked: false (and `out` untouched) on overflow.
bool price_usage_checked(const token_usage& u, const model_price& p, picousd& out);

/// Why `u` cannot be the bill of a request of `prompt_bytes` bytes (system + user) asking for at
/// most `max_tokens`, or "" when it can: output above max_tokens, or more input tokens than the
/// prompt has bytes (byte-level tokenizers never exceed one token per byte) plus a margin for
/// the chat template. Usage is the provider's word, checked before it becomes money.
std::string implausible_usage(const token_usage& u, int64_t prompt_bytes, int64_t max_tokens);

}  // namespace tickgate
