#include "actors/cache/cache_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "actors/budget/budget_policy.hpp"
#include "actors/cache/single_flight.hpp"
#include "actors/cache/state_key.hpp"
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
                                  "Entries dropped by invalidation")),
        coalesced(r.add_counter("tickgate_cache_coalesced_total", "",
                                "Requests that waited for an answer in flight for the same state")),
        wait_expired(r.add_counter("tickgate_cache_wait_expired_total", "",
                                   "Waiting requests released as misses after cache.max_wait_s")),
        parked(r.add_gauge("tickgate_cache_waiting", "",
                           "Requests waiting for an answer in flight for the same state")) {}
  counter& memory_hits;
  counter& store_hits;
  counter& misses;
  counter& bypassed;
  counter& errors;
  counter& stores;
  counter& invalidated;
  counter& coalesced;
  counter& wait_expired;
  gauge& parked;
};

struct cache_state {
  std::unique_ptr<cache_policy> policy;
  std::unique_ptr<cache_stats> stats;
  single_flight flight;
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

/// A live cached answer of one item, copied out of the cache.
struct item_hit {
  std::string results_json;
  std::string provider;
  std::string model;
  picousd cost = 0;
  bool from_store = false;  // read from RocksDB, not memory
  int64_t stored_at = 0;    // event time of the answer
};

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
  // Memory first, then RocksDB (promoting a hit to memory); a storage error is a miss. A hit
  // is copied out: the next lookup may evict it.
  auto lookup = [=](const std::string& key, int64_t now, item_hit& out) -> bool {
    auto& st = self->state;
    if (const auto* hit = st.policy->get(key, now)) {
      out = {hit->results_json, hit->provider, hit->model, hit->cost_pico, false, hit->stored_at};
      return true;
    }
    std::string text;
    try {
      if (!env.store->get(column::cache, key, text)) return false;
    } catch (const storage_error& e) {
      st.stats->errors.inc();
      spdlog::warn("cache: lookup failed, served as a miss error=\"{}\"", e.what());
      return false;
    }
    cached_answer a;
    if (!decode_entry(text, a)) {
      st.stats->errors.inc();
      return false;
    }
    st.policy->put(key, std::move(a));
    const auto* hit = st.policy->get(key, now);  // applies TTL and max age
    if (!hit) return false;
    out = {hit->results_json, hit->provider, hit->model, hit->cost_pico, true, hit->stored_at};
    return true;
  };
  // The answer of one item: the single result of its entry (entries hold one item each).
  auto item_result = [](const std::string& results_json, std::string& out) {
    auto results = json::parse(results_json, nullptr, false);
    if (!results.is_array() || results.size() != 1) return false;
    out = results[0].dump();
    return true;
  };
  // Serves `req` from the cache, parks it behind answers in flight for its states, or sends it
  // on to the gateway as a miss (it will answer its states: later requests wait for it).
  std::function<void(llm_request)> serve;
  serve = [=](llm_request req) {
    auto& st = self->state;
    const auto& model = answering_model(env, req.agent);
    std::vector<std::string> keys;
    for (auto& it : req.items) keys.push_back(item_cache_key(*cfg, req.agent, it) + "/" + model);
    auto to_gateway = [&] {
      st.flight.begin(keys);
      self->send(gateway, cache_miss{std::move(req)});
    };
    // A HIGH or CRITICAL event is answered fresh: an answer cached before it knew nothing of
    // the surge, break or anomaly it is about. Its answer is still cached for others. An
    // analysis on demand is served from the cache when fresh enough for its caller.
    const bool on_demand = req.items.size() == 1 &&
                           req.items[0].trigger == static_cast<uint8_t>(event_type::on_demand);
    const int64_t max_age = on_demand ? req.items[0].max_age_ms : -1;
    if ((!on_demand && req.prio >= static_cast<uint8_t>(priority::high)) || max_age == 0) {
      st.stats->bypassed.inc();
      return to_gateway();
    }
    // Served only when every item has a live answer for its quantised state, each checked at
    // its own event time (never an answer stored after it).
    std::vector<std::string> parts, waits;
    item_hit first, hit;
    picousd avoided = 0;
    bool from_store = false;
    for (size_t i = 0; i < keys.size(); ++i) {
      // An answer in flight for the state comes first, even over an older one stored: which of
      // the two is served must not depend on whether the call has returned yet (replays would
      // serve different answers).
      if (st.flight.in_flight(keys[i])) {
        waits.push_back(keys[i]);
        continue;
      }
      if (!lookup(keys[i], req.items[i].ts, hit)) break;
      if (max_age > 0 && req.items[i].ts - hit.stored_at > max_age) break;  // too old for its caller
      std::string part;
      if (!item_result(hit.results_json, part)) {
        st.stats->errors.inc();  // damaged: a miss, never a failure
        break;
      }
      if (parts.empty()) first = hit;
      parts.push_back(std::move(part));
      avoided += hit.cost;
      from_store = from_store || hit.from_store;
    }
    if (parts.size() + waits.size() != keys.size()) {
      st.stats->misses.inc();
      return to_gateway();
    }
    if (!waits.empty()) {
      st.stats->coalesced.inc();
      st.flight.park(std::move(req), std::move(waits), now_wall_ms());
      st.stats->parked.set(static_cast<int64_t>(st.flight.parked()));
      return;
    }
    (from_store ? st.stats->store_hits : st.stats->memory_hits).inc();
    auto out = make_outcome(*cfg, req, "cache", first.provider, first.model, parts, {}, 0);
    out.avoided = avoided;
    self->send(sink, std::move(out));
  };
  self->delayed_send(self, std::chrono::seconds(1), flush_atom::value);
  return {
      [=](llm_request& req) { serve(std::move(req)); },
      [=](cache_store& s) {
        auto& st = self->state;
        if (!s.results_json.empty()) {
          auto& a = cfg->agents.at(s.agent);
          cached_answer v{s.provider, s.model, std::move(s.results_json), s.event_ts,
                          effective_ttl_ms(cfg->cache_ttl_ms.at(a.response_type), s.volatility_rank,
                                           k_high_vol_ttl_cap_ms),
                          s.cost, std::move(s.symbols)};
          const auto key = s.key + "/" + s.model;
          if (st.policy->put(key, v)) {  // false: a newer answer for this state is kept
            try {
              env.store->put(column::cache, key, encode_entry(v));
            } catch (const storage_error& e) {
              st.stats->errors.inc();
              spdlog::warn("cache: store failed, memory only error=\"{}\"", e.what());
            }
            st.stats->stores.inc();
          }
        }
        for (auto& r : st.flight.settle(s.key + "/" + answering_model(env, s.agent))) serve(std::move(r));
        st.stats->parked.set(static_cast<int64_t>(st.flight.parked()));
      },
      [=](flush_atom) {
        auto& st = self->state;
        for (auto& r : st.flight.expire(now_wall_ms(), cfg->cache_max_wait_ms)) {
          st.stats->wait_expired.inc();
          serve(std::move(r));
        }
        st.stats->parked.set(static_cast<int64_t>(st.flight.parked()));
        self->delayed_send(self, std::chrono::seconds(1), flush_atom::value);
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
