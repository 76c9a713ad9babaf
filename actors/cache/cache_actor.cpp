#include "actors/cache/cache_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "actors/budget/budget_policy.hpp"
#include "actors/llm/outcome.hpp"

namespace tickgate {
namespace {

using json = nlohmann::json;
constexpr int64_t k_high_vol_ttl_cap_ms = 4 * 3'600'000;

/// Stats of the response cache.
struct cache_stats {
  explicit cache_stats(stats_registry& r)
      : memory_hits(r.add_counter("tickgate_cache_lookups_total", "result=\"hit\",level=\"memory\"",
                                  "Response cache lookups")),
        store_hits(r.add_counter("tickgate_cache_lookups_total", "result=\"hit\",level=\"rocksdb\"",
                                 "Response cache lookups")),
        misses(r.add_counter("tickgate_cache_lookups_total", "result=\"miss\"",
                             "Response cache lookups")),
        bypassed(r.add_counter("tickgate_cache_lookups_total", "result=\"bypass\"",
                               "Response cache lookups")),
        errors(r.add_counter("tickgate_cache_errors_total", "",
                             "Cache storage errors and damaged entries, served as misses")),
        stores(r.add_counter("tickgate_cache_stores_total", "", "Answers cached")),
        invalidated(r.add_counter("tickgate_cache_invalidated_total", "",
                                  "Entries dropped by invalidation")) {}
  counter& memory_hits;
  counter& store_hits;
  counter& misses;
  counter& bypassed;
  counter& errors;
  counter& stores;
  counter& invalidated;
};

struct cache_state {
  std::unique_ptr<cache_policy> policy;
  std::unique_ptr<cache_stats> stats;
  static inline const char* name = "cache";
};

std::string encode_entry(const cached_answer& a) {
  return json{{"provider", a.provider}, {"model", a.model},         {"results", a.results_json},
              {"stored_at", a.stored_at}, {"ttl_ms", a.ttl_ms},    {"cost", a.cost_pico},
              {"symbols", a.symbols}}
      .dump();
}

bool decode_entry(const std::string& text, cached_answer& a) {
  auto j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  try {
    a.provider = j.at("provider").get<std::string>();
    a.model = j.at("model").get<std::string>();
    a.results_json = j.at("results").get<std::string>();
    a.stored_at = j.at("stored_at").get<int64_t>();
    a.ttl_ms = j.at("ttl_ms").get<int64_t>();
    a.cost_pico = j.at("cost").get<int64_t>();
    a.symbols = j.at("symbols").get<std::vector<std::string>>();
  } catch (const json::exception&) {
    return false;
  }
  return true;
}

// The model routing prefers for this agent: the cache key includes it, so an answer of one
// model is never served for another.
const std::string& answering_model(const pipeline_env& env, uint16_t agent) {
  static const std::string rules = "rules";
  return agent < env.agent_models.size() ? env.agent_models[agent] : rules;
}

bool matches(const cache_invalidate& inv, const std::string& key, const cached_answer& a) {
  if (!inv.agent.empty() && key.rfind(inv.agent + "/", 0) != 0) return false;
  return inv.symbol.empty() ||
         std::find(a.symbols.begin(), a.symbols.end(), inv.symbol) != a.symbols.end();
}

cache_actor::behavior_type cache_impl(cache_actor::stateful_pointer<cache_state> self,
                                      pipeline_env env, gateway_actor gateway, sink_actor sink) {
  auto cfg = env.cfg;
  self->state.policy = std::make_unique<cache_policy>(cfg->cache_memory_bytes, cfg->cache_max_age_ms);
  self->state.stats = std::make_unique<cache_stats>(*env.stats);
  // Memory first, then RocksDB (promoting a hit to memory); a storage error is a miss.
  auto lookup = [=](const std::string& key, int64_t now) -> const cached_answer* {
    auto& st = self->state;
    if (const auto* hit = st.policy->get(key, now)) {
      st.stats->memory_hits.inc();
      return hit;
    }
    std::string text;
    try {
      if (!env.store->get(column::cache, key, text)) return nullptr;
    } catch (const storage_error& e) {
      st.stats->errors.inc();
      spdlog::warn("cache: lookup failed, served as a miss error=\"{}\"", e.what());
      return nullptr;
    }
    cached_answer a;
    if (!decode_entry(text, a)) {
      st.stats->errors.inc();
      return nullptr;
    }
    st.policy->put(key, std::move(a));
    const auto* hit = st.policy->get(key, now);  // applies TTL and max age
    if (hit) st.stats->store_hits.inc();
    return hit;
  };
  return {
      [=](llm_request& req) {
        auto& st = self->state;
        // A HIGH or CRITICAL event is answered fresh: an answer cached before it knew nothing
        // of the surge, break or anomaly it is about. Its answer is still cached for others.
        if (req.prio >= static_cast<uint8_t>(priority::high)) {
          st.stats->bypassed.inc();
          self->send(gateway, cache_miss{std::move(req)});
          return;
        }
        const auto key = req.cache_key + "/" + answering_model(env, req.agent);
        const auto* hit = lookup(key, last_item_ts(req));
        json results;
        if (hit) results = json::parse(hit->results_json, nullptr, false);
        if (!hit || !results.is_array() || results.size() != req.items.size()) {
          if (hit) st.stats->errors.inc();  // damaged: a miss, never a failure
          st.stats->misses.inc();
          self->send(gateway, cache_miss{std::move(req)});
          return;
        }
        std::vector<std::string> parts;
        for (auto& r : results) parts.push_back(r.dump());
        auto out = make_outcome(*cfg, req, "cache", hit->provider, hit->model, parts, {}, 0);
        out.avoided = hit->cost_pico;
        self->send(sink, std::move(out));
      },
      [=](cache_store& s) {
        auto& a = cfg->agents.at(s.agent);
        cached_answer v{s.provider, s.model, std::move(s.results_json), s.event_ts,
                        effective_ttl_ms(cfg->cache_ttl_ms.at(a.response_type), s.volatility_rank,
                                         k_high_vol_ttl_cap_ms),
                        s.cost, std::move(s.symbols)};
        const auto key = s.key + "/" + s.model;
        try {
          env.store->put(column::cache, key, encode_entry(v));
        } catch (const storage_error& e) {
          self->state.stats->errors.inc();
          spdlog::warn("cache: store failed, memory only error=\"{}\"", e.what());
        }
        self->state.policy->put(key, std::move(v));
        self->state.stats->stores.inc();
      },
      [=](budget_level_changed& l) {
        const bool stretch = l.level >= static_cast<uint8_t>(budget_level::degrade);
        self->state.policy->set_ttl_factor(stretch ? cfg->budget.degrade_cache_ttl_factor : 1.0);
        spdlog::info("cache: ttl_factor={} budget_level={}", self->state.policy->ttl_factor(),
                     to_string(static_cast<budget_level>(l.level)));
      },
      [=](cache_invalidate& inv) {
        auto& st = self->state;
        size_t n = st.policy->invalidate_if(
            [&](const std::string& k, const cached_answer& a) { return matches(inv, k, a); });
        write_batch drop;
        env.store->scan(column::cache, inv.agent.empty() ? "" : inv.agent + "/",
                        [&](std::string_view k, std::string_view v) {
                          cached_answer a;
                          if (!decode_entry(std::string(v), a) || matches(inv, std::string(k), a))
                            drop.erase(column::cache, std::string(k));
                          return true;
                        });
        env.store->write(drop);
        st.stats->invalidated.inc(std::max(n, drop.size()));
        spdlog::info("cache: invalidated agent={} symbol={} entries={}", inv.agent.empty() ? "*" : inv.agent,
                     inv.symbol.empty() ? "*" : inv.symbol, std::max(n, drop.size()));
      },
  };
}

}  // namespace

cache_actor spawn_cache(caf::actor_system& sys, const pipeline_env& env, gateway_actor gateway,
                        sink_actor sink) {
  return sys.spawn<caf::detached>(cache_impl, env, gateway, sink);  // blocks in RocksDB
}

}  // namespace tickgate
