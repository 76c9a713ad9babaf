#include "actors/llm/caller_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <unordered_map>

#include "actors/gateway/gateway_policy.hpp"
#include "actors/llm/http_client.hpp"
#include "actors/llm/ledger_replay.hpp"
#include "actors/llm/outcome.hpp"
#include "actors/llm/prompt.hpp"
#include "actors/llm/provider_wire.hpp"
#include "actors/sink/ledger.hpp"
#include "actors/sink/records.hpp"

namespace tickgate {
namespace {

/// Stats of the caller pool.
struct caller_stats {
  explicit caller_stats(stats_registry& r) : reg(r) {
    ledger_hits = &r.add_counter("tickgate_ledger_replays_total", "",
                                 "Requests answered from the ledger (already paid)");
  }
  /// Registered on first use per label set, then looked up in this caller's own map.
  counter& calls(const std::string& provider, const std::string& model, const char* status) {
    auto labels = "provider=\"" + provider + "\",model=\"" + model + "\",status=\"" + status + "\"";
    auto& c = by_labels[labels];
    if (!c) c = &reg.add_counter("tickgate_llm_calls_total", labels, "Provider call attempts by outcome");
    return *c;
  }
  stats_registry& reg;
  counter* ledger_hits;
  std::unordered_map<std::string, counter*> by_labels;
};

struct caller_state {
  std::unique_ptr<http_client> http;
  std::unique_ptr<caller_stats> stats;
  static inline const char* name = "caller";
};

attempt_end classify_failure(long status) {
  if (status == 429) return attempt_end::rate_limited;
  return retryable_status(status) ? attempt_end::retryable : attempt_end::rejected;
}

caller_actor::behavior_type caller_impl(caller_actor::stateful_pointer<caller_state> self,
                                        pipeline_env env, gateway_actor gateway, sink_actor sink) {
  auto cfg = env.cfg;
  self->state.http = std::make_unique<http_client>(static_cast<size_t>(cfg->gateway.max_response_bytes));
  self->state.stats = std::make_unique<caller_stats>(*env.stats);
  return {
      [=](granted& g) {
        auto& st = self->state;
        auto& req = g.req;
        attempt_done done;
        done.handle = g.handle;
        done.caller = g.caller;
        request_outcome out;
        if (g.attempt == 1 && replay_from_ledger(*env.store, *cfg, req, out)) {
          st.stats->ledger_hits->inc();
          done.end = static_cast<uint8_t>(attempt_end::replayed);
          self->send(sink, std::move(out));
          self->send(gateway, std::move(done));
          return;
        }
        const auto& agent = cfg->agents.at(req.agent);
        const auto& prov = cfg->providers.at(req.provider);
        std::string key;
        if (!prov.api_key_env.empty())
          if (const char* k = std::getenv(prov.api_key_env.c_str())) key = k;
        const auto wire =
            build_wire_request(prov, req.model, system_prompt(agent), req.prompt, agent.max_tokens, key);
        const auto resp = st.http->post_json(wire.url, wire.headers, wire.body, prov.timeout_ms);
        done.status = static_cast<int32_t>(resp.status);
        done.retry_after_ms = resp.retry_after_ms;
        done.latency_us = resp.latency_us;
        chat_answer ans;
        if (resp.status == 200) ans = parse_wire_response(prov.kind, resp.body, req.items.size());
        if (resp.status != 200) {
          done.end = static_cast<uint8_t>(classify_failure(resp.status));
          done.error = resp.status == 0 ? "network: " + resp.error : "http " + std::to_string(resp.status);
          st.stats->calls(prov.name, req.model, resp.status == 0 ? "network_error" : "http_error").inc();
        } else if (!ans.ok && !ans.usage.present) {
          // Nothing billed and nothing usable: as good as a 5xx.
          done.end = static_cast<uint8_t>(attempt_end::retryable);
          done.error = "bad answer: " + ans.error;
          st.stats->calls(prov.name, req.model, "bad_answer").inc();
        } else {
          // The bill is the provider's word: checked before it becomes money. Missing or
          // impossible usage is charged at the reserved worst case (what the budget already
          // holds for it) and flagged, never as free and never as an absurd number.
          std::string usage_problem;
          picousd cost = 0;
          if (!ans.usage.present)
            usage_problem = "usage_missing";
          else if (auto why = implausible_usage(
                       ans.usage, static_cast<int64_t>(system_prompt(agent).size() + req.prompt.size()),
                       agent.max_tokens);
                   !why.empty())
            usage_problem = "usage_out_of_bounds: " + why;
          else if (!price_usage_checked(ans.usage, cfg->prices.at(req.model), cost))
            usage_problem = "usage_out_of_bounds: cost overflows";
          if (!usage_problem.empty()) {
            cost = g.reserved;
            ans.usage = token_usage{};
            st.stats->calls(prov.name, req.model, "usage_invalid").inc();
            spdlog::warn("caller: provider usage not trusted, charged the reserved worst case provider={} model={} request={} reason=\"{}\" charged_picousd={}",
                         prov.name, req.model, req.request_id, usage_problem, cost);
          }
          if (ans.ok) {
            out = make_outcome(*cfg, req, "llm", prov.name, req.model, ans.results, ans.usage, cost);
            out.error = usage_problem;
            out.prompt_bytes = static_cast<int64_t>(system_prompt(agent).size() + req.prompt.size());
            done.end = static_cast<uint8_t>(attempt_end::answered);
            st.stats->calls(prov.name, req.model, "ok").inc();
          } else {
            // Paid for but unusable: charged, answered from rules, not retried (a retry would
            // pay again for the same request id).
            out = rules_outcome(*cfg, req, "bad answer (paid): " + ans.error);
            out.provider = prov.name;
            out.model = req.model;
            out.cost = cost;
            out.input_tokens = ans.usage.uncached_input;
            out.cached_tokens = ans.usage.cache_read;
            out.cache_write_tokens = ans.usage.cache_write;
            out.output_tokens = ans.usage.output;
            done.end = static_cast<uint8_t>(attempt_end::paid_failure);
            done.error = out.error;
            st.stats->calls(prov.name, req.model, "bad_answer").inc();
            spdlog::warn("caller: answer unusable provider={} model={} request={} reason=\"{}\"",
                         prov.name, req.model, req.request_id, ans.error);
          }
          out.latency_us = resp.latency_us;
          out.attempts = g.attempt;
          done.actual = cost;
          // Write-ahead: what was paid for is durable before anything else happens, so a crash
          // from here on re-delivers the tick into a ledger hit, never into a second payment.
          write_batch wb;
          add_analyses(out, wb);
          add_to_ledger(*env.store, out, wb);
          env.store->write(wb);
          out.persisted = true;
          self->send(sink, std::move(out));
        }
        if (done.end == static_cast<uint8_t>(attempt_end::retryable) ||
            done.end == static_cast<uint8_t>(attempt_end::rate_limited) ||
            done.end == static_cast<uint8_t>(attempt_end::rejected))
          spdlog::debug("llm attempt failed provider={} model={} request={} attempt={} reason=\"{}\"",
                        prov.name, req.model, req.request_id, g.attempt, done.error);
        self->send(gateway, std::move(done));
      },
  };
}

}  // namespace

caller_actor spawn_caller(caf::actor_system& sys, const pipeline_env& env, gateway_actor gateway,
                          sink_actor sink) {
  return sys.spawn<caf::detached>(caller_impl, env, gateway, sink);
}

}  // namespace tickgate
