#pragma once
// One interface over every provider's wire format: the HTTP request of a call and the parsing
// of its answer. OpenAI-compatible chat completions (OpenAI, DeepSeek, vLLM, llama.cpp, Ollama)
// the Anthropic Messages API and Google's Gemini generateContent. Pure.
#include <string>
#include <vector>

#include "actors/llm/openai_wire.hpp"
#include "config/config.hpp"

namespace tickgate {

struct wire_request {
  std::string url;
  std::vector<std::string> headers;  // may hold the API key: never log them
  std::string body;
};

/// The request for one call. The stable system prompt goes first so providers' prompt caches
/// hit (Anthropic: marked with cache_control). `api_key` empty: a keyless local server.
wire_request build_wire_request(const provider_config& p, const std::string& model,
                                const std::string& system, const std::string& user,
                                int max_tokens, const std::string& api_key);

/// Parses a 200 answer of a provider of `kind` into `expected_items` results and usage.
chat_answer parse_wire_response(const std::string& kind, const std::string& body,
                                size_t expected_items);

/// Google Gemini generateContent (v1beta): system instruction first, JSON answers asked for.
std::string gemini_request_body(const std::string& system, const std::string& user, int max_tokens);
chat_answer parse_gemini_response(const std::string& body, size_t expected_items);

/// Anthropic Messages API.
std::string anthropic_request_body(const std::string& model, const std::string& system,
                                   const std::string& user, int max_tokens);
chat_answer parse_anthropic_response(const std::string& body, size_t expected_items);

}  // namespace tickgate
