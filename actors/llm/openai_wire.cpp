#include "actors/llm/openai_wire.hpp"

#include <nlohmann/json.hpp>

namespace tickgate {

using json = nlohmann::json;

std::string openai_request_body(const std::string& model, const std::string& system,
                                const std::string& user, int max_tokens) {
  return json{{"model", model},
              {"messages",
               json::array({{{"role", "system"}, {"content", system}},
                            {{"role", "user"}, {"content", user}}})},
              {"max_tokens", max_tokens},
              {"temperature", 0},
              {"response_format", {{"type", "json_object"}}}}
      .dump();
}

chat_answer parse_openai_response(const std::string& body, size_t expected_items) {
  chat_answer a;
  auto doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    a.error = "response body is not a JSON object";
    return a;
  }
  if (auto u = doc.find("usage"); u != doc.end()) a.usage = openai_usage(*u);
  auto choices = doc.find("choices");
  if (choices == doc.end() || !choices->is_array() || choices->empty()) {
    a.error = "response has no choices";
    return a;
  }
  const json& first = (*choices)[0];
  const json msg = first.is_object() ? first.value("message", json::object()) : json::object();
  auto content_it = msg.find("content");
  if (content_it == msg.end() || !content_it->is_string()) {
    a.error = "choice has no text content";
    return a;
  }
  split_answer(content_it->get<std::string>(), expected_items, a);
  return a;
}

void split_answer(const std::string& text, size_t expected_items, chat_answer& a) {
  // Models without a JSON mode wrap the object in a code fence or a sentence: take the
  // outermost braces.
  auto first = text.find('{');
  auto last = text.rfind('}');
  json content = first == std::string::npos || last == std::string::npos || last < first
                     ? json(nullptr)
                     : json::parse(text.substr(first, last - first + 1), nullptr, false);
  if (content.is_discarded() || !content.is_object()) {
    a.error = "answer is not a JSON object";
    return;
  }
  if (content.contains("analyses") && content["analyses"].is_array()) {
    auto& arr = content["analyses"];
    if (arr.size() != expected_items) {
      a.error = "answer has " + std::to_string(arr.size()) + " analyses for " +
                std::to_string(expected_items) + " states";
      return;
    }
    for (auto& r : arr) a.results.push_back(r.dump());
  } else if (expected_items == 1) {
    a.results.push_back(content.dump());
  } else {
    a.error = "answer lacks an analyses list";
    return;
  }
  a.ok = true;
}

}  // namespace tickgate
