#include "app/pipeline/pipeline.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <algorithm>
#include <cstdlib>

#include "actors/alerts/alert_actor.hpp"
#include "common/heap_trim.hpp"
#include "common/user_error.hpp"
#include "actors/batching/batching_actor.hpp"
#include "actors/gateway/gateway_actor.hpp"
#include "actors/cache/cache_actor.hpp"
#include "actors/change/change_actor.hpp"
#include "actors/gateway/gateway_policy.hpp"
#include "actors/ingest/ingest_actor.hpp"
#include "actors/prioritise/prioritise_actor.hpp"
#include "actors/sampling/sampling_actor.hpp"
#include "actors/sink/sink_actor.hpp"
#include "kafka/kafka_conf.hpp"
#include "kafka/kafka_health.hpp"
#include "kafka/topic_range.hpp"

namespace tickgate {

void resolve_provider(const config& cfg, pipeline_env& env) {
  env.dry_run_model.clear();
  env.providers.clear();
  for (auto& name : cfg.routing_order)
    if (cfg.providers.at(name).kind != "rules") {
      env.dry_run_model = cfg.providers.at(name).model;
      break;
    }
  auto key_set = [](const provider_config& p) {
    if (p.api_key_env.empty()) return true;  // keyless local server (vLLM, llama.cpp, Ollama)
    const char* v = std::getenv(p.api_key_env.c_str());
    return v && *v;
  };
  auto describe = [&] {
    std::string note;
    for (auto& n : env.providers) {
      const auto& p = cfg.providers.at(n);
      note += (note.empty() ? "" : ", ") + n + " (";
      for (size_t i = 0; i < p.models.size(); ++i) note += (i ? " " : "") + p.models[i].name;
      note += ")";
    }
    return note + ", strategy " + cfg.gateway.strategy + ", then rules";
  };
  if (cfg.routing_provider != "auto") {
    const auto& p = cfg.providers.at(cfg.routing_provider);
    if (p.kind != "rules" && !key_set(p))
      throw config_error("config: providers." + p.name + ".api_key_env: environment variable " +
                         p.api_key_env + " is not set");
    if (p.kind != "rules") env.providers.push_back(p.name);
  } else {
    for (auto& name : cfg.routing_order) {
      const auto& p = cfg.providers.at(name);
      if (p.kind != "rules" && !p.api_key_env.empty() && key_set(p)) env.providers.push_back(name);
    }
  }
  for (auto& a : cfg.agents)
    if (!a.provider.empty() && cfg.providers.at(a.provider).kind != "rules" &&
        std::find(env.providers.begin(), env.providers.end(), a.provider) == env.providers.end()) {
      if (key_set(cfg.providers.at(a.provider))) env.providers.push_back(a.provider);
      else spdlog::warn("config: pinned provider has no key, the agent answers from rules agent={} provider={} key_env={}",
                        a.name, a.provider, cfg.providers.at(a.provider).api_key_env);
    }
  if (!env.providers.empty()) {
    env.provider_note = "routes: " + describe();
  } else {
    env.provider_note = "offline rule-based analyst: no API key set (checked";
    for (auto& n : cfg.routing_order)
      if (!cfg.providers.at(n).api_key_env.empty())
        env.provider_note += " " + cfg.providers.at(n).api_key_env;
    env.provider_note += "); calls are priced as a dry run of " +
                         (env.dry_run_model.empty() ? std::string("nothing") : env.dry_run_model);
  }
  const auto routes = make_routes(cfg, env.providers);
  env.agent_models.clear();
  for (size_t a = 0; a < cfg.agents.size(); ++a)
    env.agent_models.push_back(preferred_model(cfg, routes, static_cast<uint16_t>(a)));
}

bool live_tunable(const std::string& path) {
  for (auto prefix : {"events.", "change.", "batching."})
    if (path.rfind(prefix, 0) == 0) return true;
  if (path.rfind("agents.", 0) != 0) return false;
  auto dot = path.find('.', 7);
  if (dot == std::string::npos) return false;
  auto rest = path.substr(dot + 1);
  for (auto key : {"strategy", "weights", "events"})
    if (rest == key || rest.rfind(std::string(key) + ".", 0) == 0) return true;
  return false;
}

uint32_t pipeline_control::apply(const std::vector<std::string>& sets) {
  std::lock_guard guard{mu_};
  if (!cfg_) throw config_error("config: the pipeline is not running");
  for (auto& s : sets) {
    auto path = s.substr(0, s.find('='));
    if (!live_tunable(path))
      throw config_error("config: " + path + ": not live-tunable (restart to change it)");
  }
  auto changes = sets;
  changes.push_back("config_version=" + std::to_string(cfg_->version + 1));
  // Built on the running config, not the file (which may have been edited or removed since);
  // fully validated, throws on a bad value.
  auto next = reload_config(*cfg_, changes);
  if (next->agents.size() != cfg_->agents.size())
    throw config_error("config: agents: the set of agents cannot change while running");
  for (size_t i = 0; i < next->agents.size(); ++i)
    if (next->agents[i].name != cfg_->agents[i].name)
      throw config_error("config: agents: the set of agents cannot change while running");
  char key[32];
  std::snprintf(key, sizeof key, "config_version/%010u", next->version);
  const auto record = nlohmann::json{{"version", next->version}, {"changes", sets}}.dump();
  store_->put(column::state, key, record);  // recorded before it takes effect
  cfg_ = next;
  broadcast_(next);
  spdlog::info("config: applied live version={} changes={}", next->version, sets.size());
  return next->version;
}

std::shared_ptr<const config> pipeline_control::current() const {
  std::lock_guard guard{mu_};
  return cfg_;
}

void pipeline_control::attach(std::shared_ptr<const config> cfg, kv_store* store,
                              std::function<void(std::shared_ptr<const config>)> broadcast) {
  std::lock_guard guard{mu_};
  cfg_ = std::move(cfg);
  store_ = store;
  broadcast_ = std::move(broadcast);
}

void pipeline_control::detach() {
  std::lock_guard guard{mu_};
  cfg_.reset();
  broadcast_ = nullptr;
}

namespace {

/// The state changelog is used when wanted and its topic is co-partitioned with the ticks
/// (state of partition p lives in partition p); otherwise one warning says why not.
bool changelog_usable(const pipeline_env& env) {
  const auto& cfg = *env.cfg;
  if (!cfg.changelog) return false;
  const auto props = without_group_properties(cfg.kafka.consumer_properties);
  try {
    const int32_t want = count_partitions(env.bootstrap, cfg.kafka.ticks_topic, props);
    const int32_t have = count_partitions(env.bootstrap, cfg.kafka.state_topic, props);
    if (want > 0 && have == want) {
      spdlog::info("pipeline: state changelog on topic={} partitions={}", cfg.kafka.state_topic, have);
      return true;
    }
    spdlog::warn("pipeline: state changelog off: topic {} {} (the ticks topic has {}); per-symbol "
                 "state stays in this process and a partition that moves starts cold",
                 cfg.kafka.state_topic,
                 have == 0 ? std::string("does not exist") : "has " + std::to_string(have) + " partitions",
                 want);
  } catch (const std::exception& e) {
    spdlog::warn("pipeline: state changelog off: {}", e.what());
  }
  return false;
}

/// A side input (outside events, requests) is read when its topic is configured and exists; it
/// must then be co-partitioned with the ticks (its partition p joins the ticks of partition p).
bool side_input_usable(const pipeline_env& env, const std::string& topic, const char* key,
                       const char* what) {
  const auto& cfg = *env.cfg;
  if (topic.empty()) return false;
  const auto props = without_group_properties(cfg.kafka.consumer_properties);
  int32_t want = 0, have = 0;
  try {
    want = count_partitions(env.bootstrap, cfg.kafka.ticks_topic, props);
    have = count_partitions(env.bootstrap, topic, props);
  } catch (const std::exception& e) {
    spdlog::warn("pipeline: {} off: {}", what, e.what());
    return false;
  }
  if (have == 0) {
    spdlog::info("pipeline: {} off: topic {} does not exist", what, topic);
    return false;
  }
  if (want > 0 && have != want)
    throw user_error(std::string(key) + ": topic " + topic + " has " + std::to_string(have) +
                     " partitions and " + cfg.kafka.ticks_topic + " has " + std::to_string(want) +
                     ": they must be co-partitioned (same count, key = symbol)");
  spdlog::info("pipeline: {} from topic={} partitions={}", what, topic, have);
  return want > 0;
}

}  // namespace

double run_pipeline(const pipeline_env& env_in, const std::atomic<bool>& stop,
                    pipeline_control* control, std::string* failure) {
  pipeline_env env = env_in;
  env.changelog = changelog_usable(env);
  env.events = side_input_usable(env, env.cfg->kafka.events_topic, "kafka.topics.events", "outside events");
  env.requests = side_input_usable(env, env.cfg->kafka.requests_topic, "kafka.topics.requests",
                                   "analyses on demand");
  // Learns that the brokers are back after an outage (for the ingest, its alert and /healthz).
  kafka_recovery_probe recovery{env.bootstrap, without_group_properties(env.cfg->kafka.consumer_properties)};
  caf::actor_system_config sys_cfg;
  sys_cfg.set("scheduler.max-threads", 2);
  sys_cfg.set("logger.console", caf::atom("none"));
  caf::actor_system sys{sys_cfg};
  auto start = std::chrono::steady_clock::now();
  {
    auto wires = std::make_shared<wiring>();
    caf::scoped_actor self{sys};
    wires->alerts = spawn_alerts(sys, env);
    auto sink = spawn_sink(sys, env, wires);
    // A shared budget's log is read to its end before anything is consumed: the first leases
    // are then granted at once instead of queueing (and shedding) a backlog's first requests.
    auto budget = spawn_gateway(sys, env, sink, wires,
                               start_budget_sequencer(*env.cfg, env, env.cfg->kafka.connect_timeout_ms));
    auto cache = spawn_cache(sys, env, budget, sink);
    std::vector<caf::actor> stages;
    for (int32_t s = 0; s < env.cfg->shards; ++s) {
      // Rounds back from batching to prioritise, as many as may be in flight in a shard (at most
      // 65,536 ticks' worth, about 64 MB: a max_in_flight far above the default is not kept).
      auto pool = std::make_shared<tick_work_pool>(static_cast<size_t>(std::clamp<int64_t>(
          env.cfg->max_in_flight / env.cfg->shards + env.cfg->kafka.poll_batch, 4096, 65'536)));
      auto batching = spawn_batching(sys, env, s, cache, sink, pool);
      auto sampling = spawn_sampling(sys, env, batching);
      auto change = spawn_change(sys, env, sampling);
      wires->shards.push_back(spawn_prioritise(sys, env, change, pool));
      for (auto& h : {caf::actor_cast<caf::actor>(batching), caf::actor_cast<caf::actor>(sampling),
                      caf::actor_cast<caf::actor>(change),
                      caf::actor_cast<caf::actor>(wires->shards.back())})
        stages.push_back(h);
    }
    wires->sink = sink;
    wires->cache = cache;
    wires->ingest = spawn_ingest(sys, env, wires, caf::actor_cast<caf::actor>(self));
    if (control)
      control->attach(env.cfg, env.store, [shards = wires->shards](std::shared_ptr<const config> c) {
        for (auto& s : shards) caf::anon_send(s, config_update{c});
      });
    self->send(wires->ingest, poll_atom::value);

    bool stop_sent = false, done = false;
    // Free heap goes back to the OS once the resident size grew by pipeline.trim_growth_mb.
    heap_trim_policy trim_policy{static_cast<int64_t>(env.cfg->trim_growth_mb) << 20};
    counter* trims = env.stats ? &env.stats->add_counter("tickgate_heap_trims_total", "",
                                                         "Free heap handed back to the OS (resident "
                                                         "size grew by pipeline.trim_growth_mb)") : nullptr;
    auto last_trim = std::chrono::steady_clock::now();
    while (!done) {
      self->receive([&](done_atom, std::string& why) {
                      done = true;
                      if (failure) *failure = why;
                    },
                    caf::after(std::chrono::milliseconds(100)) >> [&] {
                      if (const auto now = std::chrono::steady_clock::now();
                          now - last_trim >= std::chrono::seconds(1)) {
                        if (trim_heap_if_grown(trim_policy) && trims) trims->inc();
                        last_trim = now;
                      }
                      if (stop.load() && !stop_sent) {
                        self->send(wires->ingest, stop_atom::value);
                        stop_sent = true;
                      }
                    });
    }
    if (control) control->detach();
    for (auto& h : stages) caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(cache, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(budget, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(sink, caf::exit_reason::user_shutdown);
    // Alerts raised up to here reach the topic and the webhooks (retries included, bounded).
    self->send(wires->alerts, drain_atom::value, caf::actor_cast<caf::actor>(self));
    size_t hooks_done = 0;
    const size_t hooks = std::max<size_t>(1, env.cfg->alerts.webhooks.size());
    bool waiting = true;
    while (waiting && hooks_done < hooks)
      self->receive([&](done_atom) { ++hooks_done; },
                    caf::after(std::chrono::seconds(30)) >> [&] {
                      spdlog::warn("alerts: webhooks still retrying at shutdown, giving up waited_s=30");
                      waiting = false;
                    });
    caf::anon_send_exit(wires->alerts, caf::exit_reason::user_shutdown);
  }
  sys.await_all_actors_done();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace tickgate
