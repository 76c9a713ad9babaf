#pragma once
// The OpenAI chat-completions wire format (also DeepSeek, vLLM, llama.cpp, Ollama): request
// body and response parsing. Pure.
#include <string>
#include <vector>

#include "actors/llm/usage.hpp"

namespace tickgate {

std::string openai_request_body(const std::string& model, const std::string& system,
                                const std::string& user, int max_tokens);

/// A parsed chat-completions response.
struct chat_answer {
  bool ok = false;
  std::string error;               // set when !ok
  std::vector<std::string> results;  // one JSON object per request item
  token_usage usage;               // may be present even when !ok (paid, but unusable)
};

/// Parses the HTTP body; splits {"analyses":[...]} into `expected_items` results.
chat_answer parse_openai_response(const std::string& body, size_t expected_items);

/// Splits the model's text answer into `expected_items` results (shared by every wire format):
/// {"analyses":[...]} with one entry per item, or a bare object for a single item. Tolerates a
/// Markdown code fence or prose around the JSON object. Sets a.ok or a.error.
void split_answer(const std::string& text, size_t expected_items, chat_answer& a);

}  // namespace tickgate
