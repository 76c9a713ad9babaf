#include "actors/llm/usage.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>
#include <utility>

namespace tickgate {
namespace {
int64_t count(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? std::max<int64_t>(0, it->get<int64_t>()) : 0;
}
/// a + b for counts, saturating (an absurd count is caught by implausible_usage, not wrapped).
int64_t sum_counts(int64_t a, int64_t b) {
  int64_t s = 0;
  return __builtin_add_overflow(a, b, &s) ? INT64_MAX : s;
}
}  // namespace

token_usage openai_usage(const nlohmann::json& usage) {
  token_usage u;
  if (!usage.is_object()) return u;
  u.present = true;
  int64_t prompt = count(usage, "prompt_tokens");
  u.output = count(usage, "completion_tokens");
  if (usage.contains("prompt_cache_hit_tokens") || usage.contains("prompt_cache_miss_tokens")) {
    u.cache_read = count(usage, "prompt_cache_hit_tokens");  // DeepSeek
    u.uncached_input = usage.contains("prompt_cache_miss_tokens")
                           ? count(usage, "prompt_cache_miss_tokens")
                           : std::max<int64_t>(0, prompt - u.cache_read);
  } else {
    auto d = usage.find("prompt_tokens_details");
    if (d != usage.end() && d->is_object()) u.cache_read = count(*d, "cached_tokens");
    u.cache_read = std::min(u.cache_read, prompt);
    u.uncached_input = prompt - u.cache_read;  // OpenAI: cached tokens are inside prompt_tokens
  }
  return u;
}

token_usage anthropic_usage(const nlohmann::json& usage) {
  token_usage u;
  if (!usage.is_object()) return u;
  u.present = true;
  u.uncached_input = count(usage, "input_tokens");  // excludes both cache counts
  u.cache_read = count(usage, "cache_read_input_tokens");
  u.cache_write = count(usage, "cache_creation_input_tokens");
  u.output = count(usage, "output_tokens");
  return u;
}

token_usage gemini_usage(const nlohmann::json& usage) {
  token_usage u;
  if (!usage.is_object()) return u;
  u.present = true;
  // promptTokenCount includes the cached part; tool-use prompts are input too; thinking tokens
  // are billed as output.
  const int64_t prompt = sum_counts(count(usage, "promptTokenCount"), count(usage, "toolUsePromptTokenCount"));
  u.cache_read = std::min(count(usage, "cachedContentTokenCount"), prompt);
  u.uncached_input = prompt - u.cache_read;
  u.output = sum_counts(count(usage, "candidatesTokenCount"), count(usage, "thoughtsTokenCount"));
  return u;
}

bool price_usage_checked(const token_usage& u, const model_price& p, picousd& out) {
  picousd total = 0;
  for (auto [n, rate] : {std::pair{u.uncached_input, p.input}, std::pair{u.cache_read, p.cache_read},
                         std::pair{u.cache_write, p.cache_write}, std::pair{u.output, p.output}}) {
    picousd part = 0;
    if (__builtin_mul_overflow(n, rate, &part) || __builtin_add_overflow(total, part, &total))
      return false;
  }
  out = total;
  return true;
}

std::string implausible_usage(const token_usage& u, int64_t prompt_bytes, int64_t max_tokens) {
  constexpr int64_t k_template_tokens = 1024;  // roles, separators, a provider's preamble
  if (u.output > max_tokens)
    return "output tokens " + std::to_string(u.output) + " > max_tokens " + std::to_string(max_tokens);
  int64_t input = 0;
  if (__builtin_add_overflow(u.uncached_input, u.cache_read, &input) ||
      __builtin_add_overflow(input, u.cache_write, &input) || input > prompt_bytes + k_template_tokens)
    return "input tokens above the " + std::to_string(prompt_bytes) + " bytes sent";
  return "";
}

picousd price_usage(const token_usage& u, const model_price& p) {
  return u.uncached_input * p.input + u.cache_read * p.cache_read + u.cache_write * p.cache_write +
         u.output * p.output;
}

}  // namespace tickgate
