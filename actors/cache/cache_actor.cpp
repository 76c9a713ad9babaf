#include "actors/cache/cache_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <nlohmann/json.hpp>

#include <chrono>

namespace tickgate {
namespace {

struct cache_state {
  std::unique_ptr<cache_policy> policy;
  counter* hits = nullptr;
  counter* misses = nullptr;
  counter* stores = nullptr;
  static inline const char* name = "cache";
};

int64_t last_ts(const llm_request& r) {
  int64_t ts = 0;
  for (auto& it : r.items) ts = std::max(ts, it.ts);
  return ts;
}

cache_actor::behavior_type cache_impl(cache_actor::stateful_pointer<cache_state> self,
                                      pipeline_env env, budget_actor budget, sink_actor sink) {
  auto cfg = env.cfg;
  auto& st = self->state;
  st.policy = std::make_unique<cache_policy>(cfg->cache_memory_bytes, cfg->cache_max_age_ms);
  st.hits = &env.stats->add_counter("tickgate_cache_lookups_total", "result=\"hit\"",
                                    "Response cache lookups");
  st.misses = &env.stats->add_counter("tickgate_cache_lookups_total", "result=\"miss\"",
                                      "Response cache lookups");
  st.stores = &env.stats->add_counter("tickgate_cache_stores_total", "", "Answers cached");
  return {
      [=](llm_request& req) {
        auto& st = self->state;
        const auto* hit = st.policy->get(req.cache_key, last_ts(req));
        if (!hit) {
          st.misses->inc();
          self->send(budget, cache_miss{std::move(req)});
          return;
        }
        auto results = nlohmann::json::parse(hit->results_json, nullptr, false);
        if (!results.is_array() || results.size() != req.items.size()) {
          st.misses->inc();  // a damaged entry degrades to a miss, never to a failure
          self->send(budget, cache_miss{std::move(req)});
          return;
        }
        st.hits->inc();
        request_outcome out;
        out.request_id = req.request_id;
        out.agent = cfg->agents[req.agent].name;
        out.source = "cache";
        out.provider = hit->provider;
        out.model = hit->model;
        out.event_ts = last_ts(req);
        out.wall_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
        out.avoided = hit->cost_pico;
        for (size_t i = 0; i < req.items.size(); ++i) {
          analysis a;
          a.request_id = req.request_id;
          a.part = static_cast<int32_t>(i);
          a.parts = static_cast<int32_t>(req.items.size());
          a.agent = out.agent;
          a.item = req.items[i];
          a.source = "cache";
          a.provider = hit->provider;
          a.model = hit->model;
          a.result_json = results[i].dump();
          a.config_version = req.config_version;
          out.analyses.push_back(std::move(a));
        }
        self->send(sink, std::move(out));
      },
      [=](cache_store& s) {
        auto& a = cfg->agents.at(s.agent);
        cached_answer v{s.provider, s.model, std::move(s.results_json), s.event_ts,
                        cfg->cache_ttl_ms.at(a.response_type), s.cost};
        self->state.policy->put(s.key, std::move(v));
        self->state.stores->inc();
      },
  };
}

}  // namespace

cache_actor spawn_cache(caf::actor_system& sys, const pipeline_env& env, budget_actor budget,
                        sink_actor sink) {
  return sys.spawn(cache_impl, env, budget, sink);
}

}  // namespace tickgate
