#include "actors/llm/provider_wire.hpp"

#include <nlohmann/json.hpp>

#include "actors/llm/usage.hpp"

namespace tickgate {

using json = nlohmann::json;

std::string anthropic_request_body(const std::string& model, const std::string& system,
                                   const std::string& user, int max_tokens) {
  return json{{"model", model},
              {"max_tokens", max_tokens},
              {"temperature", 0},
              {"system", json::array({{{"type", "text"},
                                       {"text", system},
                                       {"cache_control", {{"type", "ephemeral"}}}}})},
              {"messages", json::array({{{"role", "user"}, {"content", user}}})}}
      .dump();
}

namespace {
/// `obj[key]` when `obj` is an object and that is a string, else "" (any shape of answer).
std::string string_at(const json& obj, const char* key) {
  if (!obj.is_object()) return {};
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}
}  // namespace

chat_answer parse_anthropic_response(const std::string& body, size_t expected_items) {
  chat_answer a;
  auto doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    a.error = "response body is not a JSON object";
    return a;
  }
  if (auto u = doc.find("usage"); u != doc.end()) a.usage = anthropic_usage(*u);
  if (string_at(doc, "type") == "error") {
    const auto kind = doc.contains("error") ? string_at(doc["error"], "type") : std::string();
    a.error = "provider error: " + (kind.empty() ? std::string("unknown") : kind);
    return a;
  }
  auto content = doc.find("content");
  if (content == doc.end() || !content->is_array()) {
    a.error = "response has no content";
    return a;
  }
  std::string text;
  for (auto& block : *content)
    if (block.is_object() && string_at(block, "type") == "text" && block.contains("text") &&
        block["text"].is_string())
      text += block["text"].get<std::string>();
  if (text.empty()) {
    a.error = "response has no text content";
    return a;
  }
  split_answer(text, expected_items, a);
  return a;
}

std::string gemini_request_body(const std::string& system, const std::string& user, int max_tokens) {
  return json{{"systemInstruction", {{"parts", json::array({{{"text", system}}})}}},
              {"contents", json::array({{{"role", "user"}, {"parts", json::array({{{"text", user}}})}}})},
              {"generationConfig",
               {{"maxOutputTokens", max_tokens}, {"temperature", 0}, {"responseMimeType", "application/json"}}}}
      .dump();
}

chat_answer parse_gemini_response(const std::string& body, size_t expected_items) {
  chat_answer a;
  auto doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    a.error = "response body is not a JSON object";
    return a;
  }
  if (auto u = doc.find("usageMetadata"); u != doc.end()) a.usage = gemini_usage(*u);
  if (auto e = doc.find("error"); e != doc.end()) {
    const auto status = string_at(*e, "status");
    a.error = "provider error: " + (status.empty() ? std::string("unknown") : status);
    return a;
  }
  auto cands = doc.find("candidates");
  if (cands == doc.end() || !cands->is_array() || cands->empty() || !(*cands)[0].is_object()) {
    // A prompt blocked by safety filters comes back without candidates (promptFeedback).
    a.error = "response has no candidates";
    return a;
  }
  const auto& first = (*cands)[0];
  std::string text;
  if (auto c = first.find("content"); c != first.end() && c->is_object())
    if (auto parts = c->find("parts"); parts != c->end() && parts->is_array())
      for (auto& p : *parts)
        if (p.is_object() && p.contains("text") && p["text"].is_string() && !p.value("thought", false))
          text += p["text"].get<std::string>();
  if (text.empty()) {
    const auto reason = string_at(first, "finishReason");
    a.error = "response has no text" + (reason.empty() ? std::string() : " (finishReason " + reason + ")");
    return a;
  }
  split_answer(text, expected_items, a);
  return a;
}

wire_request build_wire_request(const provider_config& p, const std::string& model,
                                const std::string& system, const std::string& user,
                                int max_tokens, const std::string& api_key) {
  wire_request w;
  if (p.kind == "gemini") {
    w.url = p.base_url + "/models/" + model + ":generateContent";
    w.body = gemini_request_body(system, user, max_tokens);
    if (!api_key.empty()) w.headers.push_back("x-goog-api-key: " + api_key);
  } else if (p.kind == "anthropic") {
    w.url = p.base_url + "/messages";
    w.body = anthropic_request_body(model, system, user, max_tokens);
    if (!api_key.empty()) w.headers.push_back("x-api-key: " + api_key);
    w.headers.push_back("anthropic-version: " + p.anthropic_version);
  } else {
    w.url = p.base_url + "/chat/completions";
    w.body = openai_request_body(model, system, user, max_tokens);
    if (!api_key.empty()) w.headers.push_back("Authorization: Bearer " + api_key);
  }
  return w;
}

chat_answer parse_wire_response(const std::string& kind, const std::string& body,
                                size_t expected_items) {
  if (kind == "gemini") return parse_gemini_response(body, expected_items);
  return kind == "anthropic" ? parse_anthropic_response(body, expected_items)
                             : parse_openai_response(body, expected_items);
}

}  // namespace tickgate
