// The gateway's cost per request without the network, single core, as latency percentiles:
//  (a) budget decision: gateway_policy submit + pump for one CRITICAL request with 64 calls in
//      flight and two routes (priority queue, degrade check, routing order, token buckets,
//      breaker, reservation), then the settle of one finished call;
//  (b) gateway overhead per call: (a) plus building the user prompt and the HTTP body, parsing
//      a real-shaped chat-completions answer with usage, pricing it and building the outcome.
// Each sample times one request with steady_clock; 200k samples after 20k warm-up.
//   build/bench/gateway_bench
#include <algorithm>
#include <cstdlib>
#include <chrono>
#include <cstdio>
#include <deque>
#include <string>
#include <vector>

#include "actors/gateway/gateway_policy.hpp"
#include "actors/llm/outcome.hpp"
#include "actors/llm/prompt.hpp"
#include "actors/llm/provider_wire.hpp"
#include "actors/llm/usage.hpp"

using namespace tickgate;
using clock_type = std::chrono::steady_clock;

namespace {

void report(const char* what, std::vector<double>& ns) {
  std::sort(ns.begin(), ns.end());
  auto pct = [&](double p) { return ns[static_cast<size_t>(p * static_cast<double>(ns.size() - 1))] / 1000.0; };
  std::printf("%-34s p50 %7.2f us   p99 %7.2f us   p99.9 %7.2f us   (%zu samples)\n", what, pct(0.5),
              pct(0.99), pct(0.999), ns.size());
}

llm_request sample_request(int i) {
  llm_request r;
  r.request_id = "bench-" + std::to_string(i);
  r.agent = 0;
  r.prio = static_cast<uint8_t>(priority::critical);
  request_item it;
  it.symbol = "BTCUSDT";
  it.ts = 1677628800000 + i * 1000;
  it.prio = r.prio;
  it.trigger = static_cast<uint8_t>(event_type::anomaly);
  it.significance = 80;
  it.snap.price = 23142.31;
  it.snap.ret_pct = 0.12;
  it.snap.move_pct = 0.8;
  it.snap.volatility_pct = 1.3;
  it.snap.volume_ratio = 3.2;
  it.snap.rsi = 71.2;
  it.snap.macd = 12.5;
  r.items.push_back(it);
  return r;
}

const std::string k_answer = R"({"id":"chatcmpl-1","object":"chat.completion","created":1700000000,
"model":"deepseek-chat","choices":[{"index":0,"message":{"role":"assistant","content":
"{\"analyses\":[{\"symbol\":\"BTCUSDT\",\"regime\":\"volatile\",\"confidence\":0.72,\"rationale\":\"RSI above 70 with a volume spike and widening realised volatility; momentum positive.\"}]}"},
"finish_reason":"stop"}],"usage":{"prompt_tokens":412,"completion_tokens":61,"total_tokens":473,
"prompt_cache_hit_tokens":320,"prompt_cache_miss_tokens":92}})";

void run(bool full) {
  auto cfg = load_config(std::string(TICKGATE_SOURCE_DIR) + "/config/default.json",
                         {"budget.daily_usd=1000000", "budget.monthly_usd=1000000", "budget.velocity.min_usd=1000000",
                          "providers.deepseek.max_in_flight=1000", "providers.openai.max_in_flight=1000",
                          "providers.deepseek.requests_per_minute=10000000"});
  gateway_policy gw(*cfg, make_routes(*cfg, {"deepseek", "openai"}));
  const auto& agent = cfg->agents[0];
  std::vector<gateway_step> steps;
  std::deque<uint64_t> in_flight;
  std::vector<double> samples;
  const int warmup = 20'000, n = 200'000;
  samples.reserve(n);
  int64_t now = 1'700'000'000'000;
  auto base = sample_request(0);
  base.prompt = user_prompt(agent, base);
  for (int i = 0; i < warmup + n; ++i) {
    llm_request req = base;
    req.items[0].ts += i;
    auto t0 = clock_type::now();
    gateway_request g;
    g.id = static_cast<uint64_t>(i + 1);
    g.agent = 0;
    g.prio = req.prio;
    g.significance = 80;
    if (full) req.prompt = user_prompt(agent, req);
    g.prompt_bytes = static_cast<int64_t>(agent.system_prompt.size() + req.prompt.size());
    g.max_tokens = agent.max_tokens;
    g.budget_now = req.items[0].ts;
    g.routes = {0, 1};
    gw.submit(g, now, steps);
    gw.pump(now, 1, steps);
    uint64_t dispatched = 0;
    for (auto& s : steps)
      if (s.kind == gateway_step::dispatch) dispatched = s.id;
    steps.clear();
    if (full) {
      const auto& route = gw.routes()[0];
      const auto& prov = cfg->providers.at(route.provider);
      auto wire = build_wire_request(prov, route.model, agent.system_prompt, req.prompt, agent.max_tokens, "sk-x");
      auto ans = parse_wire_response(prov.kind, k_answer, 1);
      auto cost = price_usage(ans.usage, route.price);
      auto out = make_outcome(*cfg, req, "llm", route.provider, route.model, ans.results, ans.usage, cost);
      if (wire.body.empty() || out.analyses.empty()) std::abort();
    }
    if (!dispatched) {
      std::fprintf(stderr, "request %d was not dispatched: the bench measures nothing\n", i);
      std::exit(1);
    }
    in_flight.push_back(dispatched);
    if (in_flight.size() > 64) {  // keep 64 calls in flight: settle the oldest
      gw.on_result(in_flight.front(), {attempt_end::answered, 50'000'000, -1, 800'000}, now, steps);
      in_flight.pop_front();
      steps.clear();
    }
    auto t1 = clock_type::now();
    if (i >= warmup) samples.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count());
    now += 1;
  }
  report(full ? "gateway overhead per call" : "budget decision (admit+dispatch+settle)", samples);
}

}  // namespace

int main() {
  run(false);
  run(true);
  return 0;
}
