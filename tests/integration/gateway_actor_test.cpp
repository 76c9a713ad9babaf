// The gateway actor with its caller pool against local servers speaking the providers' exact
// wire formats: the hard budget under 100 concurrent CRITICAL requests, a 429 storm and an
// outage moving traffic to the fallback route and back, and the Anthropic Messages API.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <atomic>
#include <map>

#include "actors/gateway/gateway_actor.hpp"
#include "actors/budget/budget_policy.hpp"
#include "actors/llm/http_client.hpp"
#include "actors/llm/outcome.hpp"
#include "actors/llm/prompt.hpp"
#include "actors/sink/ledger.hpp"
#include "app/pipeline/pipeline.hpp"
#include "integration/test_support.hpp"

using namespace tickgate;
using tickgate::testing::fake_openai_server;
using tickgate::testing::fault;

namespace {

using got_atom = caf::atom_constant<caf::atom("got")>;
constexpr int64_t k_t0 = 1677628800000;  // 2023-03-01T00:00:00Z, event time of the requests
// What the fake OpenAI server's usage costs on gpt-4o-mini: 800 uncached + 200 cached input, 50 out.
constexpr picousd k_gpt4o_mini_call = 800 * 150'000 + 200 * 75'000 + 50 * 600'000;
constexpr picousd k_deepseek_call = 800 * 280'000 + 200 * 28'000 + 50 * 420'000;

// Forwards every outcome to the test as (source, provider, cost).
sink_actor::behavior_type forwarding_sink(sink_actor::pointer, caf::actor listener) {
  return {
      [=](decision_rows&) {},
      [=](request_outcome& o) {
        caf::anon_send(listener, got_atom::value, o.source, o.provider, o.cost);
      },
      [=](checkpoint_mark&) {},
      [=](checkpoint_due&) {},
      [=](drained_atom, int32_t) {},
      [=](flush_atom) {},
  };
}

cache_actor::behavior_type quiet_cache(cache_actor::pointer, int) {
  return {[=](llm_request&) {}, [=](cache_store&) {}, [=](cache_invalidate&) {},
          [=](budget_level_changed&) {}, [=](flush_atom) {}};
}

llm_request critical_request(int i) {
  llm_request r;
  r.request_id = "gw-" + std::to_string(i);
  r.agent = 0;
  r.prio = static_cast<uint8_t>(priority::critical);
  r.cache_key = "k-" + std::to_string(i);
  request_item it;
  it.symbol = "SYM" + std::to_string(i % 7);
  it.ts = k_t0 + i;
  it.prio = r.prio;
  it.trigger = static_cast<uint8_t>(event_type::anomaly);
  it.significance = 100;
  it.snap.price = 100 + i;
  r.items.push_back(it);
  return r;
}

struct outcome_row {
  std::string source, provider;
  picousd cost = 0;
};

/// One gateway with its callers, a forwarding sink and a quiet cache.
struct gateway_harness {
  explicit gateway_harness(const std::string& name, std::vector<std::string> sets)
      : dir(tickgate::testing::temp_dir(name)) {
    cfg = load_config(std::string(TICKGATE_SOURCE_DIR) + "/config/default.json", sets);
    store = open_rocksdb_store(dir + "/db", false);
    env.cfg = cfg;
    env.stats = &stats;
    env.store = store.get();
    env.until_eof = true;  // budget on event time
    env.wall_clock = [this] { return now_wall_ms() + clock_offset.load(); };
    resolve_provider(*cfg, env);
    sys_cfg.set("scheduler.max-threads", 2);
    sys_cfg.set("logger.console", caf::atom("none"));
    sys = std::make_unique<caf::actor_system>(sys_cfg);  // keeps a reference to its config
    self = std::make_unique<caf::scoped_actor>(*sys);
    sink = sys->spawn(forwarding_sink, caf::actor_cast<caf::actor>(*self));
    auto wires = std::make_shared<wiring>();
    wires->cache = sys->spawn(quiet_cache, 0);
    cache = wires->cache;
    gateway = spawn_gateway(*sys, env, sink, wires);
  }
  ~gateway_harness() {
    for (auto h : {caf::actor_cast<caf::actor>(gateway), caf::actor_cast<caf::actor>(sink),
                   caf::actor_cast<caf::actor>(cache)})
      caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
    self.reset();
    sys->await_all_actors_done();
  }
  std::vector<outcome_row> ask(int first, int n) {
    for (int i = first; i < first + n; ++i) (*self)->send(gateway, cache_miss{critical_request(i)});
    std::vector<outcome_row> rows;
    for (int i = 0; i < n; ++i)
      (*self)->receive(
          [&](got_atom, const std::string& source, const std::string& provider, picousd cost) {
            rows.push_back({source, provider, cost});
          },
          caf::after(std::chrono::seconds(60)) >> [&] { ADD_FAILURE() << "no outcome in 60 s"; });
    return rows;
  }
  picousd ledger_total() {
    return ledger_aggregate(*store, "agg/day/2023-03-01/total")[lf_cost];
  }

  std::string dir;
  std::shared_ptr<const config> cfg;
  std::unique_ptr<kv_store> store;
  stats_registry stats;
  pipeline_env env;
  std::atomic<int64_t> clock_offset{0};
  caf::actor_system_config sys_cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::unique_ptr<caf::scoped_actor> self;
  sink_actor sink;
  cache_actor cache;
  gateway_actor gateway;
};

/// deepseek (quality 0.9, tried first) on `primary`, openai on `fallback`, one retry, short
/// backoff; `extra` on top.
std::vector<std::string> two_routes(const fake_openai_server& primary,
                                    const fake_openai_server& fallback,
                                    std::vector<std::string> extra) {
  std::vector<std::string> sets{"routing.order=[\"deepseek\",\"openai\"]",
                                "routing.strategy=\"maximize_quality\"",
                                "providers.deepseek.quality=0.9",
                                "providers.deepseek.base_url=\"" + primary.base_url() + "\"",
                                "providers.deepseek.api_key_env=\"TICKGATE_TEST_KEY\"",
                                "providers.deepseek.max_retries=1",
                                "providers.openai.base_url=\"" + fallback.base_url() + "\"",
                                "providers.openai.api_key_env=\"TICKGATE_TEST_KEY\""};
  sets.insert(sets.end(), extra.begin(), extra.end());
  return sets;
}

int count(const std::vector<outcome_row>& rows, const std::string& source, const std::string& provider = "") {
  int n = 0;
  for (auto& r : rows) n += r.source == source && (provider.empty() || r.provider == provider);
  return n;
}

}  // namespace

/// The gateway exports its gauges after it handles the caller's report, which may arrive after
/// the sink already has the outcome: wait for it (bounded), do not race it.
static bool reservations_released(stats_registry& stats) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (stats.gauge_value("tickgate_budget_reserved_picousd") != 0)
    if (std::chrono::steady_clock::now() > deadline) return false;
    else std::this_thread::yield();
  return true;
}

TEST(gateway_actor, hard_budget_holds_under_100_concurrent_critical_requests) {
  fake_openai_server server;
  server.set_faults([](int) { return fault{0, -1, 20, false}; });  // 20 ms per call: real overlap
  setenv("TICKGATE_TEST_KEY", "sk-gateway-secret", 1);
  // The worst case of one request, as the gateway sizes it (tested by hand in budget tests).
  auto probe_cfg = load_config(std::string(TICKGATE_SOURCE_DIR) + "/config/default.json", {});
  const auto& agent = probe_cfg->agents[0];
  auto sample = critical_request(10);
  const auto prompt_bytes = static_cast<int64_t>(agent.system_prompt.size() + user_prompt(agent, sample).size());
  const picousd worst = worst_case_cost(prompt_bytes, 2, agent.max_tokens, 150'000, 150'000, 600'000);
  const picousd limit = 10 * worst + worst / 2;  // room for ten worst cases at once
  char usd[64];
  std::snprintf(usd, sizeof usd, "%.12f", pico_to_usd(limit));
  gateway_harness h("gw_overshoot",
                    {"routing.provider=\"openai\"",
                     "providers.openai.base_url=\"" + server.base_url() + "\"",
                     "providers.openai.api_key_env=\"TICKGATE_TEST_KEY\"",
                     "providers.openai.max_in_flight=32", "pipeline.callers=32",
                     std::string("budget.daily_usd=") + usd, "budget.velocity.min_usd=1000"});
  ASSERT_EQ(h.cfg->budget.global.daily, limit);
  auto rows = h.ask(10, 100);  // prompts of requests 10..109 have the same size
  const int calls = count(rows, "llm");
  // A call is made while settled spend + its worst case fits: (n - 1) x call + worst <= limit.
  const int expected = static_cast<int>((limit - worst) / k_gpt4o_mini_call) + 1;
  EXPECT_EQ(calls, expected);
  EXPECT_EQ(count(rows, "rules"), 100 - expected);
  EXPECT_LE(h.ledger_total(), limit);
  EXPECT_EQ(h.ledger_total(), calls * k_gpt4o_mini_call);
  EXPECT_LT(limit - h.ledger_total(), worst);  // as many calls as the budget allows
  EXPECT_GE(server.max_concurrent(), 5);        // reservations really were concurrent
  EXPECT_LE(server.max_concurrent(), 10);       // ... and never more than the budget covers
  for (auto& [body, n] : server.paid()) EXPECT_EQ(n, 1);
  EXPECT_TRUE(reservations_released(h.stats));
}

TEST(gateway_actor, storm_and_outage_fall_back_open_the_breaker_and_recover) {
  fake_openai_server primary, fallback;
  std::atomic<bool> healthy{false};
  // Three 429s (Retry-After: 1 s, capped to 50 ms by config), then an outage of 503s.
  primary.set_faults([&](int n) {
    if (healthy) return fault{};
    return n < 3 ? fault{429, 1, 0, false} : fault{503, -1, 0, false};
  });
  setenv("TICKGATE_TEST_KEY", "sk-gateway-secret", 1);
  gateway_harness h("gw_storm", two_routes(primary, fallback,
                    {"gateway.backoff_base_ms=1", "gateway.backoff_max_ms=5",
                     "gateway.retry_after_max_s=0.05", "gateway.breaker.window=4",
                     "gateway.breaker.min_calls=4", "gateway.breaker.open_s=5",
                     "pipeline.callers=4"}));
  ASSERT_EQ(h.env.providers, (std::vector<std::string>{"deepseek", "openai"}));
  auto storm = h.ask(0, 20);
  EXPECT_EQ(count(storm, "llm", "openai"), 20);  // every request answered, by the fallback
  EXPECT_EQ(count(storm, "rules"), 0);
  EXPECT_TRUE(primary.paid().empty());  // failures without usage: nothing paid
  EXPECT_EQ(fallback.paid().size(), 20u);
  for (auto& [body, n] : fallback.paid()) EXPECT_EQ(n, 1);  // nothing paid twice
  const std::string ds = "provider=\"deepseek\",model=\"deepseek-chat\"";
  EXPECT_EQ(h.stats.value("tickgate_breaker_opens_total", ds), 1u);
  // The three 429s paced the route without counting as failures; the breaker opened after 4
  // 503s filled the window; at most the attempts already in flight on the other 3 callers
  // reached the primary after that.
  EXPECT_EQ(h.stats.value("tickgate_llm_rate_limited_total", ""), 3u);
  EXPECT_GE(primary.requests(), 3 + 4);
  EXPECT_LE(primary.requests(), 3 + 4 + 3);
  EXPECT_GE(h.stats.total("tickgate_llm_retries_total"), 1u);
  EXPECT_EQ(h.ledger_total(), 20 * k_gpt4o_mini_call);

  // The provider recovers; past the open period one probe goes through and closes the breaker.
  healthy = true;
  h.clock_offset += 6'000;
  auto after = h.ask(100, 1);
  EXPECT_EQ(count(after, "llm", "deepseek"), 1);
  auto rest = h.ask(101, 5);
  EXPECT_EQ(count(rest, "llm", "deepseek"), 5);
  EXPECT_EQ(primary.paid().size(), 6u);
  EXPECT_EQ(h.ledger_total(), 20 * k_gpt4o_mini_call + 6 * k_deepseek_call);
}

TEST(gateway_actor, anthropic_messages_api_with_key_header_and_cache_reads_priced) {
  fake_openai_server server(fake_openai_server::wire::anthropic);
  setenv("TICKGATE_TEST_ANTHROPIC_KEY", "sk-ant-gateway-secret", 1);
  gateway_harness h("gw_anthropic",
                    {"routing.provider=\"anthropic\"",
                     "providers.anthropic.base_url=\"" + server.base_url() + "\"",
                     "providers.anthropic.api_key_env=\"TICKGATE_TEST_ANTHROPIC_KEY\""});
  auto rows = h.ask(0, 3);
  ASSERT_EQ(count(rows, "llm", "anthropic"), 3);
  // claude-haiku-4-5: 800 input at 1 µUSD, 200 cache reads at 0.1 µUSD, 50 output at 5 µUSD.
  const picousd call = 800 * 1'000'000 + 200 * 100'000 + 50 * 5'000'000;
  for (auto& r : rows) EXPECT_EQ(r.cost, call);
  EXPECT_EQ(h.ledger_total(), 3 * call);
  auto headers = server.key_headers();
  EXPECT_EQ(std::count(headers.begin(), headers.end(), "x-api-key: sk-ant-gateway-secret"), 3);
  EXPECT_EQ(std::count(headers.begin(), headers.end(), "anthropic-version: 2023-06-01"), 3);
  // The key never reaches what is stored.
  h.store->scan(column::ledger, "", [&](std::string_view k, std::string_view v) {
    EXPECT_EQ(std::string(v).find("sk-ant"), std::string::npos) << k;
    return true;
  });
}

TEST(gateway_actor, gemini_generate_content_with_key_header_priced_from_its_usage_metadata) {
  fake_openai_server server(fake_openai_server::wire::gemini);
  setenv("TICKGATE_TEST_GEMINI_KEY", "AIza-gateway-secret", 1);
  gateway_harness h("gw_gemini",
                    {"routing.provider=\"gemini\"",
                     "providers.gemini.base_url=\"" + server.base_url() + "\"",
                     "providers.gemini.api_key_env=\"TICKGATE_TEST_GEMINI_KEY\""});
  auto rows = h.ask(0, 3);
  ASSERT_EQ(count(rows, "llm", "gemini"), 3);
  // gemini-2.0-flash (LiteLLM): input 0.1 µUSD, cache reads 0.025 µUSD, output 0.4 µUSD a token.
  // promptTokenCount 1000 includes the 200 cached; 40 candidate + 10 thought tokens are output.
  const picousd call = 800 * 100'000 + 200 * 25'000 + 50 * 400'000;
  for (auto& r : rows) EXPECT_EQ(r.cost, call);
  EXPECT_EQ(h.ledger_total(), 3 * call);
  auto headers = server.key_headers();
  EXPECT_EQ(std::count(headers.begin(), headers.end(), "x-goog-api-key: AIza-gateway-secret"), 3);
  for (auto& a : server.authorizations()) EXPECT_EQ(a, "");  // the key goes in its own header only
  h.store->scan(column::ledger, "", [&](std::string_view k, std::string_view v) {
    EXPECT_EQ(std::string(v).find("AIza"), std::string::npos) << k;
    return true;
  });
}

TEST(gateway_actor, timeout_and_malformed_body_are_retried_then_fall_back_uncharged) {
  fake_openai_server primary, fallback;
  // Attempt 1 outlasts the 150 ms client timeout; attempt 2 gets an HTML error page.
  primary.set_faults([](int n) { return n == 0 ? fault{0, -1, 400, false} : fault{0, -1, 0, true}; });
  setenv("TICKGATE_TEST_KEY", "sk-gateway-secret", 1);
  gateway_harness h("gw_timeout", two_routes(primary, fallback,
                                             {"providers.deepseek.timeout_ms=150",
                                              "gateway.backoff_base_ms=1", "gateway.backoff_max_ms=2"}));
  auto rows = h.ask(0, 1);
  ASSERT_EQ(count(rows, "llm", "openai"), 1);
  EXPECT_EQ(primary.requests(), 2);
  EXPECT_EQ(h.stats.value("tickgate_llm_calls_total",
                          "provider=\"deepseek\",model=\"deepseek-chat\",status=\"network_error\""), 1u);
  EXPECT_EQ(h.stats.value("tickgate_llm_calls_total",
                          "provider=\"deepseek\",model=\"deepseek-chat\",status=\"bad_answer\""), 1u);
  EXPECT_EQ(h.stats.total("tickgate_llm_retries_total"), 1u);
  EXPECT_EQ(h.stats.total("tickgate_llm_fallbacks_total"), 1u);
  // Only the answer is charged. (The provider may still bill the call we timed out on: no
  // client can know; see the README's "Not done yet".)
  EXPECT_EQ(h.ledger_total(), k_gpt4o_mini_call);
  EXPECT_TRUE(reservations_released(h.stats));
}

// The hardening review: usage is the provider's word, checked before it becomes money.
TEST(gateway_actor, absurd_or_missing_usage_is_charged_the_reserved_worst_case_not_trusted) {
  fake_openai_server server;
  server.set_faults([](int n) {
    fault f;
    if (n == 0) f.usage = R"({"prompt_tokens":1000,"completion_tokens":30000000000000})";  // 3e13
    if (n == 1) f.usage = "none";
    if (n == 2) f.usage = R"({"prompt_tokens":9000000000000000000,"completion_tokens":5})";
    return f;
  });
  setenv("TICKGATE_TEST_KEY", "sk-usage-secret", 1);
  gateway_harness h("gw_usage", {"routing.provider=\"openai\"",
                                 "providers.openai.base_url=\"" + server.base_url() + "\"",
                                 "providers.openai.api_key_env=\"TICKGATE_TEST_KEY\"",
                                 "pipeline.callers=1"});
  auto rows = h.ask(0, 4);
  ASSERT_EQ(count(rows, "llm", "openai"), 4);
  picousd worst = 0;
  int normal = 0;
  for (auto& r : rows) {
    EXPECT_GT(r.cost, 0);  // never free, never negative
    if (r.cost == k_gpt4o_mini_call) ++normal;
    else worst = r.cost;
  }
  EXPECT_EQ(normal, 1);  // the fourth answer carried real usage
  // The three distrusted bills are each the reservation: the prompt's worst case on gpt-4o-mini.
  EXPECT_GT(worst, k_gpt4o_mini_call);
  EXPECT_LT(worst, usd_to_pico(0.01));
  EXPECT_EQ(h.ledger_total(), k_gpt4o_mini_call + 3 * worst);
  EXPECT_EQ(h.stats.value("tickgate_llm_calls_total",
                          "provider=\"openai\",model=\"gpt-4o-mini\",status=\"usage_invalid\""),
            3u);
}

TEST(gateway_actor, an_oversized_answer_or_a_nonsense_retry_after_is_a_failed_attempt) {
  fake_openai_server primary, fallback;
  primary.set_faults([](int n) {
    fault f;
    if (n == 0) f.pad_bytes = 50u << 20;  // 50 MB answer
    else {
      f.status = 429;
      f.retry_after_raw = n == 1 ? "nan" : "1e30";
    }
    return f;
  });
  setenv("TICKGATE_TEST_KEY", "sk-body-secret", 1);
  gateway_harness h("gw_body", two_routes(primary, fallback,
                                          {"gateway.max_response_bytes=65536",
                                           "gateway.backoff_base_ms=1", "gateway.backoff_max_ms=5",
                                           "gateway.retry_after_max_s=0.05",
                                           "gateway.rate_limit_max_retries=1",
                                           "providers.deepseek.max_retries=0", "pipeline.callers=1"}));
  auto rows = h.ask(0, 1);
  // 50 MB cut at 64 KiB (failed, unpaid); two 429s with unusable Retry-After (backoff applies);
  // then the fallback answers.
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].source, "llm");
  EXPECT_EQ(rows[0].provider, "openai");
  EXPECT_TRUE(primary.paid().size() <= 1u);  // the server counted it; the client never read it
  EXPECT_EQ(h.ledger_total(), k_gpt4o_mini_call);
}

TEST(retry_after, seconds_form_only_finite_non_negative_capped_at_a_day) {
  EXPECT_EQ(parse_retry_after_ms(" 2\r\n"), 2000);
  EXPECT_EQ(parse_retry_after_ms("1.5"), 1500);
  EXPECT_EQ(parse_retry_after_ms("0"), 0);
  EXPECT_EQ(parse_retry_after_ms("1e30"), 86'400'000);
  for (auto bad : {"nan", "inf", "-1", "", "Wed, 21 Oct 2015 07:28:00 GMT", "5 s"})
    EXPECT_EQ(parse_retry_after_ms(bad), -1) << bad;
}

// The review's storm over HTTP: 40% of attempts 429 (Retry-After 1 s, capped to 50 ms here so
// the test takes seconds), 15% 500, the rest answered; 172 requests on one route, 4 callers.
TEST(gateway_actor, a_429_storm_over_http_still_gets_most_requests_an_llm_answer) {
  fake_openai_server server;
  server.set_faults([](int n) {
    const auto draw = (static_cast<uint64_t>(n) * 0x9E3779B97F4A7C15ull >> 32) % 100;
    fault f;
    if (draw < 40) f = fault{429, 1, 0, false};
    else if (draw < 55) f = fault{500, -1, 0, false};
    return f;
  });
  setenv("TICKGATE_TEST_KEY", "sk-storm-secret", 1);
  gateway_harness h("gw_429_storm", {"routing.provider=\"openai\"",
                                     "providers.openai.base_url=\"" + server.base_url() + "\"",
                                     "providers.openai.api_key_env=\"TICKGATE_TEST_KEY\"",
                                     "gateway.retry_after_max_s=0.05", "gateway.backoff_base_ms=5",
                                     "gateway.backoff_max_ms=50", "pipeline.callers=4"});
  constexpr int k_requests = 172;
  auto rows = h.ask(0, k_requests);
  const int llm = count(rows, "llm", "openai");
  std::printf("429 storm over HTTP: %d of %d answered by the LLM, %d provider requests\n", llm,
              k_requests, server.requests());
  EXPECT_GE(llm, k_requests * 9 / 10);
  for (auto& [body, n] : server.paid()) EXPECT_EQ(n, 1);  // nothing paid twice
  EXPECT_EQ(h.ledger_total(), llm * k_gpt4o_mini_call);
}
