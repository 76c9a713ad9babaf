#include "actors/llm/caller_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <random>
#include <thread>

#include "actors/llm/http_client.hpp"
#include "actors/llm/openai_wire.hpp"
#include "actors/llm/outcome.hpp"
#include "actors/sink/ledger.hpp"
#include "actors/sink/records.hpp"

namespace tickgate {
namespace {

/// Stats of the caller pool.
struct caller_stats {
  explicit caller_stats(stats_registry& r) : reg(r) {
    ledger_hits = &r.add_counter("tickgate_ledger_replays_total", "",
                                 "Requests answered from the ledger (already paid)");
    retries = &r.add_counter("tickgate_llm_retries_total", "", "Provider call retries");
  }
  counter& calls(const std::string& provider, const std::string& status) {
    return reg.add_counter("tickgate_llm_calls_total",
                           "provider=\"" + provider + "\",status=\"" + status + "\"",
                           "Provider calls by outcome");
  }
  stats_registry& reg;
  counter* ledger_hits;
  counter* retries;
};

struct caller_state {
  std::unique_ptr<http_client> http;
  std::unique_ptr<caller_stats> stats;
  std::mt19937_64 rng{42};
  static inline const char* name = "caller";
};

bool retryable(const http_response& r) {
  return r.status == 0 || r.status == 429 || r.status >= 500;
}

// Answers from the ledger and the stored analyses when this request id was already paid for.
bool replay_from_ledger(kv_store& store, const config& cfg, const llm_request& req,
                        request_outcome& out) {
  std::string rec;
  if (!store.get(column::ledger, req.request_id, rec)) return false;
  std::vector<std::string> results;
  for (size_t i = 0; i < req.items.size(); ++i) {
    std::string stored;
    if (!store.get(column::analyses, analysis_key(req.request_id, static_cast<int32_t>(i)), stored))
      return false;
    auto doc = nlohmann::json::parse(stored, nullptr, false);
    if (doc.is_discarded() || !doc.contains("result")) return false;
    results.push_back(doc["result"].dump());
  }
  auto led = nlohmann::json::parse(rec, nullptr, false);
  out = make_outcome(cfg, req, "ledger", led.value("provider", ""), led.value("model", ""),
                     results, token_usage{}, 0);
  return true;
}

caller_actor::behavior_type caller_impl(caller_actor::stateful_pointer<caller_state> self,
                                        pipeline_env env, budget_actor budget, sink_actor sink) {
  auto cfg = env.cfg;
  self->state.http = std::make_unique<http_client>();
  self->state.stats = std::make_unique<caller_stats>(*env.stats);
  return {
      [=](granted& g) {
        auto& st = self->state;
        auto& req = g.req;
        const auto& agent = cfg->agents.at(req.agent);
        const auto& prov = cfg->providers.at(req.provider);
        request_outcome out;
        settle s{req.request_id, req.provider, req.model, req.reserved, 0};
        if (replay_from_ledger(*env.store, *cfg, req, out)) {
          st.stats->ledger_hits->inc();
        } else if (prov.kind == "rules") {
          out = rules_outcome(*cfg, req, "offline");
          // Dry-run price: what the configured model would charge for this prompt.
          if (auto p = cfg->prices.find(env.dry_run_model); p != cfg->prices.end()) {
            token_usage u;
            u.uncached_input = static_cast<int64_t>(
                (agent.system_prompt.size() + req.prompt.size() + 3) / 4 + 16);
            u.output = agent.expected_output_tokens;
            out.would_cost = price_usage(u, p->second);
          }
          st.stats->calls("offline", "rules").inc();
        } else {
          std::vector<std::string> headers;
          if (!prov.api_key_env.empty())
            if (const char* key = std::getenv(prov.api_key_env.c_str()); key && *key)
              headers.push_back(std::string("Authorization: Bearer ") + key);
          const auto body =
              openai_request_body(prov.model, agent.system_prompt, req.prompt, agent.max_tokens);
          const auto url = prov.base_url + "/chat/completions";
          http_response resp;
          int attempt = 0;
          for (;; ++attempt) {
            resp = st.http->post_json(url, headers, body, prov.timeout_ms);
            if (!retryable(resp) || attempt >= prov.max_retries) break;
            st.stats->retries->inc();
            // Exponential backoff with jitter, honouring Retry-After (capped at 30 s).
            int64_t backoff = (100ll << attempt) + static_cast<int64_t>(st.rng() % 100);
            if (resp.retry_after_ms >= 0) backoff = std::min<int64_t>(resp.retry_after_ms, 30'000);
            std::this_thread::sleep_for(std::chrono::milliseconds(backoff));
          }
          chat_answer ans;
          if (resp.status == 200) ans = parse_openai_response(resp.body, req.items.size());
          picousd cost = ans.usage.present ? price_usage(ans.usage, cfg->prices.at(prov.model)) : 0;
          if (ans.ok) {
            out = make_outcome(*cfg, req, "llm", prov.name, prov.model, ans.results, ans.usage,
                               cost);
            st.stats->calls(prov.name, "ok").inc();
          } else {
            std::string why = resp.status == 0  ? "network: " + resp.error
                              : resp.status != 200 ? "http " + std::to_string(resp.status)
                                                   : "bad answer: " + ans.error;
            spdlog::warn("llm call failed provider={} model={} request={} attempts={} reason={}",
                         prov.name, prov.model, req.request_id, attempt + 1, why);
            out = rules_outcome(*cfg, req, why);
            // A call that returned usage was paid for even if its answer is unusable.
            out.provider = prov.name;
            out.model = prov.model;
            out.cost = cost;
            out.input_tokens = ans.usage.uncached_input;
            out.cached_tokens = ans.usage.cache_read;
            out.output_tokens = ans.usage.output;
            st.stats->calls(prov.name, resp.status == 0 ? "network_error"
                                       : resp.status != 200 ? "http_error" : "bad_answer").inc();
          }
          out.latency_us = resp.latency_us;
          out.attempts = attempt + 1;
          s.actual = cost;
          // Write-ahead: what was paid for is durable before anything else happens, so a crash
          // from here on re-delivers the tick into a ledger hit, never into a second payment.
          write_batch wb;
          add_analyses(out, wb);
          add_to_ledger(*env.store, out, wb);
          env.store->write(wb);
          out.persisted = true;
        }
        self->send(budget, s);
        self->send(sink, std::move(out));
      },
  };
}

}  // namespace

caller_actor spawn_caller(caf::actor_system& sys, const pipeline_env& env, budget_actor budget,
                          sink_actor sink) {
  return sys.spawn<caf::detached>(caller_impl, env, budget, sink);
}

}  // namespace tickgate
