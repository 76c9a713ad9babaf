// Per-provider token accounting, each priced by hand from the LiteLLM prices in
// config/pricing.json (USD per token -> pUSD: x 1e12).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "actors/llm/openai_wire.hpp"
#include "actors/llm/provider_wire.hpp"
#include "actors/llm/usage.hpp"
#include "config/config.hpp"

using namespace tickgate;
using json = nlohmann::json;

namespace {
model_price price_of(const std::string& model) {
  return load_prices(std::string(TICKGATE_SOURCE_DIR) + "/config/pricing.json", {model}).at(model);
}
}  // namespace

TEST(usage, openai_cached_tokens_are_inside_prompt_tokens) {
  auto u = openai_usage(json::parse(R"({"prompt_tokens":2006,"completion_tokens":300,
      "total_tokens":2306,"prompt_tokens_details":{"cached_tokens":1920}})"));
  EXPECT_EQ(u.uncached_input, 86);
  EXPECT_EQ(u.cache_read, 1920);
  EXPECT_EQ(u.output, 300);
  // gpt-4o-mini: input $0.15/M, cached $0.075/M, output $0.60/M.
  // 86*0.15e-6 + 1920*0.075e-6 + 300*0.6e-6 = 0.0000129 + 0.000144 + 0.00018 = $0.0003369
  EXPECT_EQ(price_usage(u, price_of("gpt-4o-mini")), 336'900'000);
}

TEST(usage, openai_without_details_is_all_uncached) {
  auto u = openai_usage(json::parse(R"({"prompt_tokens":100,"completion_tokens":10})"));
  EXPECT_EQ(u.uncached_input, 100);
  EXPECT_EQ(u.cache_read, 0);
}

TEST(usage, deepseek_hit_and_miss_tokens) {
  auto u = openai_usage(json::parse(R"({"prompt_tokens":1000,"completion_tokens":200,
      "prompt_cache_hit_tokens":600,"prompt_cache_miss_tokens":400})"));
  EXPECT_EQ(u.uncached_input, 400);
  EXPECT_EQ(u.cache_read, 600);
  // deepseek-chat: miss $0.28/M, hit $0.028/M, output $0.42/M.
  // 400*0.28e-6 + 600*0.028e-6 + 200*0.42e-6 = 0.000112 + 0.0000168 + 0.000084 = $0.0002128
  EXPECT_EQ(price_usage(u, price_of("deepseek-chat")), 212'800'000);
}

TEST(usage, anthropic_input_excludes_cache_reads_and_writes) {
  auto u = anthropic_usage(json::parse(R"({"input_tokens":50,"cache_read_input_tokens":1000,
      "cache_creation_input_tokens":200,"output_tokens":300})"));
  EXPECT_EQ(u.uncached_input, 50);
  EXPECT_EQ(u.cache_read, 1000);
  EXPECT_EQ(u.cache_write, 200);
  EXPECT_EQ(u.total_input(), 1250);
  // claude-3-haiku: input $0.25/M, cache read $0.03/M, cache write $0.30/M, output $1.25/M.
  // 50*0.25e-6 + 1000*0.03e-6 + 200*0.3e-6 + 300*1.25e-6 = 0.0000125+0.00003+0.00006+0.000375
  EXPECT_EQ(price_usage(u, price_of("claude-3-haiku-20240307")), 477'500'000);
}

TEST(usage, unknown_model_is_an_error_never_free) {
  EXPECT_THROW(price_of("no-such-model-7b"), config_error);
}

TEST(openai_wire, request_body_puts_system_prompt_first_and_asks_for_json) {
  auto body = json::parse(openai_request_body("gpt-4o-mini", "SYS", "USER", 300));
  EXPECT_EQ(body["model"], "gpt-4o-mini");
  EXPECT_EQ(body["messages"][0]["role"], "system");
  EXPECT_EQ(body["messages"][0]["content"], "SYS");
  EXPECT_EQ(body["messages"][1]["content"], "USER");
  EXPECT_EQ(body["max_tokens"], 300);
  EXPECT_EQ(body["response_format"]["type"], "json_object");
}

TEST(openai_wire, splits_analyses_per_item) {
  json content{{"analyses", json::array({{{"symbol", "A"}}, {{"symbol", "B"}}})}};
  json resp{{"choices", json::array({{{"message", {{"role", "assistant"}, {"content", content.dump()}}}}})},
            {"usage", {{"prompt_tokens", 10}, {"completion_tokens", 5}}}};
  auto a = parse_openai_response(resp.dump(), 2);
  ASSERT_TRUE(a.ok) << a.error;
  ASSERT_EQ(a.results.size(), 2u);
  EXPECT_EQ(json::parse(a.results[1])["symbol"], "B");
  EXPECT_EQ(a.usage.output, 5);
  auto wrong = parse_openai_response(resp.dump(), 3);
  EXPECT_FALSE(wrong.ok);
  EXPECT_TRUE(wrong.usage.present);  // paid for even though unusable
}

TEST(openai_wire, malformed_bodies_are_errors_not_crashes) {
  EXPECT_FALSE(parse_openai_response("<html>502</html>", 1).ok);
  EXPECT_FALSE(parse_openai_response(R"({"choices":[]})", 1).ok);
  EXPECT_FALSE(parse_openai_response(R"({"choices":[{"message":{"content":"not json"}}]})", 1).ok);
  auto single = parse_openai_response(R"({"choices":[{"message":{"content":"{\"regime\":\"ranging\"}"}}]})", 1);
  ASSERT_TRUE(single.ok);
  EXPECT_EQ(json::parse(single.results[0])["regime"], "ranging");
}

TEST(anthropic_wire, request_marks_the_system_prompt_for_caching_and_key_goes_in_x_api_key) {
  provider_config p;
  p.kind = "anthropic";
  p.base_url = "https://api.anthropic.com/v1";
  auto w = build_wire_request(p, "claude-haiku-4-5", "SYS", "USER", 300, "sk-ant-secret");
  EXPECT_EQ(w.url, "https://api.anthropic.com/v1/messages");
  EXPECT_EQ(w.headers, (std::vector<std::string>{"x-api-key: sk-ant-secret", "anthropic-version: 2023-06-01"}));
  auto body = json::parse(w.body);
  EXPECT_EQ(body["model"], "claude-haiku-4-5");
  EXPECT_EQ(body["max_tokens"], 300);
  EXPECT_EQ(body["system"][0]["text"], "SYS");
  EXPECT_EQ(body["system"][0]["cache_control"]["type"], "ephemeral");
  EXPECT_EQ(body["messages"][0]["role"], "user");
  EXPECT_EQ(body["messages"][0]["content"], "USER");
  EXPECT_EQ(body.dump().find("secret"), std::string::npos);  // the key is only in a header
  // OpenAI-compatible: bearer token; a keyless local server gets no Authorization header.
  p.kind = "openai";
  p.base_url = "http://127.0.0.1:8000/v1";
  auto local = build_wire_request(p, "llama", "SYS", "USER", 300, "");
  EXPECT_EQ(local.url, "http://127.0.0.1:8000/v1/chat/completions");
  EXPECT_TRUE(local.headers.empty());
}

TEST(anthropic_wire, parses_text_blocks_fenced_json_and_usage) {
  // The shape of a Messages API answer, the JSON inside a Markdown fence as models often do.
  const std::string body = R"({"id":"msg_01","type":"message","role":"assistant",
    "model":"claude-haiku-4-5","stop_reason":"end_turn",
    "content":[{"type":"text","text":"```json\n{\"analyses\":[{\"symbol\":\"A\"},{\"symbol\":\"B\"}]}\n```"}],
    "usage":{"input_tokens":21,"cache_creation_input_tokens":0,"cache_read_input_tokens":1800,"output_tokens":44}})";
  auto a = parse_wire_response("anthropic", body, 2);
  ASSERT_TRUE(a.ok) << a.error;
  EXPECT_EQ(json::parse(a.results[1])["symbol"], "B");
  EXPECT_EQ(a.usage.uncached_input, 21);
  EXPECT_EQ(a.usage.cache_read, 1800);
  EXPECT_EQ(a.usage.output, 44);
  auto err = parse_anthropic_response(
      R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})", 1);
  EXPECT_FALSE(err.ok);
  EXPECT_EQ(err.error, "provider error: overloaded_error");
  EXPECT_FALSE(err.usage.present);  // not paid
  EXPECT_FALSE(parse_anthropic_response(R"({"content":[{"type":"text","text":"I cannot."}]})", 1).ok);
  EXPECT_FALSE(parse_anthropic_response("", 1).ok);
}

TEST(provider_wire, answers_of_any_shape_are_refused_not_thrown) {
  // Found by the fuzzer: a "type" or "error" of the wrong JSON type, a choice that is no object.
  for (const char* body : {R"({"id":"m","type":{"input_tokens":50}})", R"({"type":"error","error":"boom"})",
                           R"({"content":[{"type":7,"text":"x"}]})"}) {
    chat_answer a;
    EXPECT_NO_THROW(a = parse_anthropic_response(body, 1)) << body;
    EXPECT_FALSE(a.ok) << body;
  }
  EXPECT_EQ(parse_anthropic_response(R"({"type":"error","error":"boom"})", 1).error, "provider error: unknown");
  chat_answer o;
  EXPECT_NO_THROW(o = parse_wire_response("openai", R"({"choices":[1]})", 1));
  EXPECT_FALSE(o.ok);
}

TEST(gemini_wire, request_puts_the_system_instruction_first_and_the_key_in_its_header) {
  provider_config p;
  p.kind = "gemini";
  p.base_url = "https://generativelanguage.googleapis.com/v1beta";
  auto w = build_wire_request(p, "gemini-2.0-flash", "SYS", "USER", 300, "AIza-secret");
  EXPECT_EQ(w.url, "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:generateContent");
  EXPECT_EQ(w.headers, (std::vector<std::string>{"x-goog-api-key: AIza-secret"}));
  auto body = json::parse(w.body);
  EXPECT_EQ(body["systemInstruction"]["parts"][0]["text"], "SYS");
  EXPECT_EQ(body["contents"][0]["role"], "user");
  EXPECT_EQ(body["contents"][0]["parts"][0]["text"], "USER");
  EXPECT_EQ(body["generationConfig"]["maxOutputTokens"], 300);
  EXPECT_EQ(body["generationConfig"]["temperature"], 0);
  EXPECT_EQ(body["generationConfig"]["responseMimeType"], "application/json");
  EXPECT_EQ(body.dump().find("secret"), std::string::npos);
}

TEST(gemini_wire, usage_metadata_cached_inside_prompt_thoughts_are_output_priced_exactly) {
  const std::string body = R"({"candidates":[{"content":{"parts":[{"text":"thinking...","thought":true},
      {"text":"{\"analyses\":[{\"symbol\":\"A\"},{\"symbol\":\"B\"}]}"}],"role":"model"},"finishReason":"STOP","index":0}],
    "usageMetadata":{"promptTokenCount":1200,"cachedContentTokenCount":1024,"candidatesTokenCount":61,
                     "thoughtsTokenCount":39,"totalTokenCount":1300},"modelVersion":"gemini-2.5-flash"})";
  auto a = parse_wire_response("gemini", body, 2);
  ASSERT_TRUE(a.ok) << a.error;
  EXPECT_EQ(json::parse(a.results[1])["symbol"], "B");  // the thought part is not the answer
  EXPECT_EQ(a.usage.uncached_input, 176);
  EXPECT_EQ(a.usage.cache_read, 1024);
  EXPECT_EQ(a.usage.output, 100);
  // gemini-2.5-flash in LiteLLM's file: input 3e-7, cache read 3e-8, output (and reasoning) 2.5e-6
  // USD a token: 176 x 300,000 + 1024 x 30,000 + 100 x 2,500,000 pUSD.
  model_price p{300'000, 2'500'000, 30'000, 300'000};
  EXPECT_EQ(price_usage(a.usage, p), 176 * 300'000 + 1024 * 30'000 + 100 * 2'500'000);
  auto err = parse_gemini_response(R"({"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED"}})", 1);
  EXPECT_FALSE(err.ok);
  EXPECT_EQ(err.error, "provider error: RESOURCE_EXHAUSTED");
  EXPECT_FALSE(err.usage.present);  // not paid
  // Blocked by a safety filter: no candidates, but the prompt was counted and billed.
  auto blocked = parse_gemini_response(
      R"({"promptFeedback":{"blockReason":"SAFETY"},"usageMetadata":{"promptTokenCount":90,"totalTokenCount":90}})", 1);
  EXPECT_FALSE(blocked.ok);
  EXPECT_TRUE(blocked.usage.present);
  EXPECT_EQ(blocked.usage.uncached_input, 90);
  for (const char* odd : {"", "[]", R"({"candidates":[1]})", R"({"candidates":[{"content":{"parts":"x"}}]})",
                          R"({"error":"boom"})", R"({"candidates":[{"finishReason":"MAX_TOKENS"}]})"}) {
    chat_answer x;
    EXPECT_NO_THROW(x = parse_gemini_response(odd, 1)) << odd;
    EXPECT_FALSE(x.ok) << odd;
  }
}
