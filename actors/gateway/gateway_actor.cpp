#include "actors/gateway/gateway_actor.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <spdlog/spdlog.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <unordered_map>

#include "actors/budget/budget_sequencer.hpp"
#include "actors/gateway/gateway_alerts.hpp"
#include "actors/gateway/gateway_policy.hpp"
#include "actors/llm/caller_actor.hpp"
#include "actors/llm/ledger_replay.hpp"
#include "actors/llm/outcome.hpp"
#include "actors/llm/cost_estimate.hpp"
#include "actors/llm/prompt.hpp"
#include "actors/sink/ledger.hpp"

namespace tickgate {
namespace {

/// Stats of the gateway: one list, registered once.
struct gateway_stats {
  gateway_stats(stats_registry& r, const std::vector<route>& routes) : reg(r) {
    granted = &r.add_counter("tickgate_budget_decisions_total", "result=\"granted\"",
                             "Gateway admissions: dispatched to a provider or answered by rules");
    queued = &r.add_gauge("tickgate_gateway_queue_depth", "", "Requests waiting for a route");
    in_flight = &r.add_gauge("tickgate_gateway_in_flight", "", "Provider calls in flight");
    reserved = &r.add_gauge("tickgate_budget_reserved_picousd", "",
                            "Worst-case cost reserved by calls in flight");
    spent_today = &r.add_gauge("tickgate_budget_spent_today_picousd", "",
                               "Settled spend in the current day");
    remaining = &r.add_gauge("tickgate_budget_remaining_picousd", "",
                             "What the global budget can still reserve in the current day and month");
    level = &r.add_gauge("tickgate_budget_level", "",
                         "Global budget level: 0 normal, 1 soft, 2 degrade, 3 hard");
    retries = &r.add_counter("tickgate_llm_retries_total", "", "Attempts retried after a backoff");
    fallbacks = &r.add_counter("tickgate_llm_fallbacks_total", "", "Requests moved to the next route");
    rate_limited = &r.add_counter("tickgate_llm_rate_limited_total", "",
                                  "429 answers: the route paused and its concurrency halved");
    shed = &r.add_counter("tickgate_gateway_shed_total", "", "Requests shed to rules under pressure");
    velocity = &r.add_counter("tickgate_budget_velocity_stops_total", "",
                              "Emergency stops on spending velocity");
    recorded = &r.add_counter("tickgate_recorded_answers_total", "",
                              "Recorded backtest: requests answered from the recorded run's ledger");
    for (auto& rt : routes) {
      const auto labels = "provider=\"" + rt.provider + "\",model=\"" + rt.model + "\"";
      breaker.push_back(&r.add_gauge("tickgate_breaker_state", labels,
                                     "Circuit breaker per route: 0 closed, 1 open, 2 half-open"));
      opens.push_back(&r.add_counter("tickgate_breaker_opens_total", labels,
                                     "Times the route's breaker opened"));
      latency.push_back(&r.add_histogram("tickgate_llm_call_seconds", labels,
                                         "Provider call latency per attempt (HTTP round trip)"));
    }
  }
  /// Registered on first use per reason (the policy's reasons are string literals).
  counter& rules(const char* why) {
    auto& c = by_reason[why];
    if (!c)
      c = &reg.add_counter("tickgate_budget_decisions_total",
                           std::string("result=\"rules\",reason=\"") + why + "\"",
                           "Gateway admissions: dispatched to a provider or answered by rules");
    return *c;
  }
  std::unordered_map<std::string, counter*> by_reason;
  stats_registry& reg;
  counter* granted;
  gauge* queued;
  gauge* in_flight;
  gauge* reserved;
  gauge* spent_today;
  gauge* remaining;
  gauge* level;
  counter* retries;
  counter* fallbacks;
  counter* rate_limited;
  counter* shed;
  counter* velocity;
  counter* recorded;
  std::vector<gauge*> breaker;
  std::vector<counter*> opens;
  std::vector<histogram*> latency;  // per route
};

/// The cluster budget of one instance: its leases, the replicated sequence, the Kafka edge.
struct cluster_budget {
  explicit cluster_budget(stats_registry& r) {
    granted = &r.add_counter("tickgate_budget_leases_total", "result=\"granted\"",
                             "Budget leases this instance asked the cluster for, by result");
    denied = &r.add_counter("tickgate_budget_leases_total", "result=\"denied\"",
                            "Budget leases this instance asked the cluster for, by result");
    held = &r.add_gauge("tickgate_budget_lease_unused_picousd", "",
                        "Global budget leased to this instance for today and not yet used");
    cluster_spent = &r.add_gauge("tickgate_budget_cluster_spent_today_picousd", "",
                                 "Settled spend of every instance today, as reported to the sequencer");
    for (auto result : {"won", "lost", "unanswered"})
      claims.push_back(&r.add_counter("tickgate_alert_claims_total", std::string("result=\"") + result + "\"",
                                      "Cluster-wide alerts claimed in the sequencer: won (sent from here), "
                                      "lost (another instance sent it), unanswered (sent anyway)"));
  }
  std::unique_ptr<lease_book> book;
  lease_sequence seq;
  std::shared_ptr<budget_sequencer> edge;
  counter* granted;
  counter* denied;
  gauge* held;
  gauge* cluster_spent;
  std::vector<counter*> claims;  // won, lost, unanswered
  int64_t day = 0;  // the newest day seen in a record (for the gauges)
  struct pending_alert {
    alert a;
    int64_t since = 0;  // wall ms of the claim
  };
  std::map<uint64_t, pending_alert> claimed;  // claim record number -> its alert
};

/// A sequencer for `cfg`'s topic, its reader started.
std::shared_ptr<budget_sequencer> open_sequencer(const config& cfg, const pipeline_env& env) {
  auto seq = std::make_shared<budget_sequencer>(env.bootstrap, cfg.kafka.budget_topic,
                                                cfg.kafka.consumer_properties,
                                                cfg.kafka.producer_properties);
  seq->start();
  return seq;
}

/// One holder id per process start: leases of an earlier run stay counted (it may have been
/// billed for calls it never recorded), a new run asks for its own.
std::string holder_id() {
  char host[128] = {0};
  gethostname(host, sizeof host - 1);
  std::random_device rd;
  char tail[16];
  std::snprintf(tail, sizeof tail, "%08x", rd());
  return std::string(host) + "/" + std::to_string(getpid()) + "/" + tail;
}

struct gateway_state {
  std::unique_ptr<gateway_policy> policy;
  std::unique_ptr<gateway_stats> stats;
  std::vector<std::vector<uint16_t>> agent_routes;
  std::unordered_map<uint64_t, llm_request> requests;
  std::unordered_map<uint64_t, std::string> last_error;
  std::vector<caller_actor> callers;
  std::vector<int32_t> idle;
  std::vector<gateway_step> steps;
  uint64_t next_id = 1;
  int64_t wake_at = INT64_MAX;  // a pump is scheduled for this wall time
  gateway_counters seen;        // policy counters already exported
  static inline const char* name = "gateway";
};

gateway_actor::behavior_type gateway_impl(gateway_actor::stateful_pointer<gateway_state> self,
                                         pipeline_env env, sink_actor sink,
                                         std::shared_ptr<const wiring> wires,
                                         std::shared_ptr<budget_sequencer> sequencer) {
  auto cfg = env.cfg;
  auto& st = self->state;
  auto clock = [env] { return env.wall_ms(); };
  auto routes = make_routes(*cfg, env.providers);
  for (size_t a = 0; a < cfg->agents.size(); ++a)
    st.agent_routes.push_back(agent_routes(*cfg, routes, static_cast<uint16_t>(a)));
  // Spend booked before this process started comes back from the ledger's aggregates.
  kv_store* store = env.store;
  auto loader = [store](const std::string& period, const std::string& agent) -> picousd {
    return ledger_aggregate(*store, "agg/" + period + (agent.empty() ? "/total" : "/agent/" + agent))[lf_cost];
  };
  st.stats = std::make_unique<gateway_stats>(*env.stats, routes);
  st.policy = std::make_unique<gateway_policy>(*cfg, std::move(routes), loader);
  st.policy->set_shedding(!env.until_eof);
  auto me = caf::actor_cast<gateway_actor>(self);
  if (!env.providers.empty())
    for (int i = 0; i < cfg->callers; ++i) {
      st.callers.push_back(spawn_caller(self->system(), env, me, sink));
      self->link_to(st.callers.back());  // the pool lives and dies with its owner
      st.idle.push_back(i);
    }
  const bool event_clock = env.until_eof;
  auto budget_now = [event_clock, clock](const llm_request& r) {
    return event_clock ? last_item_ts(r) : clock();
  };

  // One budget for the cluster: reservations also need a lease, granted in the sequencer's log
  // order. Only when calls can be paid for and some budget has a limit.
  std::shared_ptr<cluster_budget> cluster;
  if (cluster_budget_wanted(*cfg, env)) {
    auto& b = st.policy->budget();
    cluster = std::make_shared<cluster_budget>(*env.stats);
    cluster->book = std::make_unique<lease_book>(holder_id(), b.lease_scope_names(),
                                                 b.lease_scope_limits(), cfg->budget.lease_pct,
                                                 cfg->budget.lease_wait_ms,
                                                 cfg->budget.lease_timeout_ms);
    cluster->book->expire(clock());
    b.attach_leases(cluster->book.get());
    cluster->edge = sequencer ? sequencer : open_sequencer(*cfg, env);
    cluster->edge->set_target([me](std::string v) { caf::anon_send(me, lease_atom::value, std::move(v)); });
    spdlog::info("budget: shared with the cluster topic={} holder={}", cfg->kafka.budget_topic,
                 cluster->book->holder());
    // On the way out, unused leases go back to the cluster (what is reserved has settled).
    self->attach_functor([cluster] {
      cluster->book->release_all();
      std::string err;
      for (auto& r : cluster->book->take_outbox()) cluster->edge->publish(r, err);
      if (!cluster->edge->flush(5000)) spdlog::warn("budget: unused leases not handed back in 5 s");
      cluster->edge->set_target(nullptr);  // drops its handle to this actor
      cluster->edge.reset();  // the last owner joins the reader
    });
    self->delayed_send(self, std::chrono::milliseconds(100), lease_atom::value, std::string());
  }
  auto publish_leases = [cluster] {
    if (!cluster) return;
    std::string err;
    for (auto& r : cluster->book->take_outbox())
      if (!cluster->edge->publish(r, err))
        spdlog::error("budget: lease record not queued error=\"{}\"", err);
    cluster->edge->poll();
  };

  // An alert about the cluster's budget fires once for the cluster: it is claimed in the
  // sequencer and sent by the instance whose claim the log has first. Unanswered claims are
  // sent anyway after the lease timeout: a duplicate is better than a missed alert.
  auto send_alert = [=](alert a) {
    auto key = cluster ? cluster_claim_key(a) : std::string();
    if (key.empty()) {
      self->send(wires->alerts, std::move(a));
      return;
    }
    const auto n = cluster->book->claim(key, budget_policy::day_of(a.ts), budget_policy::month_of(a.ts));
    cluster->claimed.emplace(n, cluster_budget::pending_alert{std::move(a), clock()});
  };
  // Carries out the policy's steps, then exports its state.
  auto run_steps = [=] {
    auto& st = self->state;
    for (auto& s : st.steps) {
      auto it = st.requests.find(s.id);
      if (it == st.requests.end()) continue;
      switch (s.kind) {
        case gateway_step::dispatch: {
          auto caller = st.idle.back();
          st.idle.pop_back();
          const auto& r = st.policy->routes()[s.route];
          it->second.provider = r.provider;
          it->second.model = r.model;
          it->second.reserved = s.reserved;
          if (s.attempt == 1) st.stats->granted->inc();
          self->send(st.callers[static_cast<size_t>(caller)],
                     granted{it->second, s.id, caller, s.attempt, s.reserved});
          break;
        }
        case gateway_step::rules: {
          st.stats->rules(s.why).inc();
          auto why = std::string(s.why);
          if (auto e = st.last_error.find(s.id); e != st.last_error.end()) why += ": " + e->second;
          self->send(sink, rules_outcome(*cfg, it->second, why));
          st.requests.erase(it);
          st.last_error.erase(s.id);
          break;
        }
        case gateway_step::finished:
          st.requests.erase(it);
          st.last_error.erase(s.id);
          break;
      }
    }
    st.steps.clear();
    publish_leases();
    const int64_t now = clock();
    for (auto& e : st.policy->take_events()) {
      const auto& r = st.policy->routes()[e.route];
      if (auto a = alert_for(e, *st.policy, *cfg)) send_alert(std::move(*a));
      switch (e.kind) {
        case gateway_event::breaker_opened: st.stats->opens[e.route]->inc(); break;
        case gateway_event::breaker_closed:
          spdlog::info("gateway: breaker closed provider={} model={}", r.provider, r.model);
          break;
        case gateway_event::level_changed:
          self->send(wires->cache, budget_level_changed{static_cast<uint8_t>(e.level)});
          break;
        case gateway_event::velocity_stop: st.stats->velocity->inc(); break;
        case gateway_event::projected_overrun: break;
      }
    }
    auto& b = st.policy->budget();
    const auto& c = st.policy->counters();
    st.stats->retries->inc(c.retries - st.seen.retries);
    st.stats->fallbacks->inc(c.fallbacks - st.seen.fallbacks);
    st.stats->shed->inc(c.shed - st.seen.shed);
    st.stats->rate_limited->inc(c.rate_limited - st.seen.rate_limited);
    st.seen = c;
    st.stats->queued->set(static_cast<int64_t>(st.policy->queued() + st.policy->waiting_retry()));
    st.stats->in_flight->set(st.policy->in_flight());
    st.stats->reserved->set(b.in_flight());
    st.stats->spent_today->set(b.spent_today());
    st.stats->remaining->set(b.remaining());
    st.stats->level->set(static_cast<int64_t>(b.current_level()));
    const auto& rs = st.policy->routes();
    for (size_t i = 0; i < rs.size(); ++i)
      st.stats->breaker[i]->set(static_cast<int64_t>(rs[i].breaker.state(now)));
  };
  // Dispatches what may go, then makes sure a pump comes when time alone unblocks the queue.
  auto pump = [=] {
    auto& st = self->state;
    const int64_t now = clock();
    st.policy->pump(now, static_cast<int32_t>(st.idle.size()), st.steps);
    run_steps();
    const int64_t wake = st.policy->next_wake(now);
    if (wake != INT64_MAX && wake < st.wake_at) {
      st.wake_at = wake;
      self->delayed_send(self, std::chrono::milliseconds(std::max<int64_t>(1, wake - now)),
                         pump_atom::value);
    }
  };
  return {
      [=](cache_miss& m) {
        auto& st = self->state;
        auto& req = m.req;
        const auto& agent = cfg->agents.at(req.agent);
        req.prompt = user_prompt(agent, req);
        if (env.providers.empty()) {  // offline: the rule-based analyst, priced as a dry run
          request_outcome recorded;
          ledger_row used;
          if (env.recorded && replay_from_ledger(*env.recorded, *cfg, req, recorded, &used, "recorded")) {
            st.stats->recorded->inc();
            // Its bill checks the estimate made before it, as a live call's does.
            if (env.estimator && used.source == "llm" && cfg->prices.count(used.model)) {
              token_usage billed;
              billed.uncached_input = used.input_tokens;
              billed.output = used.output_tokens;
              check_and_learn(*env.estimator, *env.stats, cfg->prices.at(used.model), used.model,
                              agent.name, static_cast<int64_t>(system_prompt(agent).size() + req.prompt.size()),
                              agent.expected_output_tokens, billed, used.cost);
            }
            recorded.would_cost = used.cost + used.would_cost;  // what it cost in the recorded run
            recorded.would_input_tokens = used.input_tokens;
            recorded.would_output_tokens = used.output_tokens;
            self->send(sink, std::move(recorded));
            return;
          }
          st.stats->rules("offline").inc();
          self->send(sink, offline_outcome(*cfg, req, env.dry_run_model, env.estimator.get()));
          return;
        }
        gateway_request g;
        g.id = st.next_id++;
        g.agent = req.agent;
        g.prio = req.prio;
        for (auto& it : req.items) g.significance = std::max(g.significance, it.significance);
        g.prompt_bytes = static_cast<int64_t>(system_prompt(agent).size() + req.prompt.size());
        g.max_tokens = agent.max_tokens;
        g.budget_now = budget_now(req);
        g.routes = st.agent_routes[req.agent];
        st.requests.emplace(g.id, std::move(req));
        st.policy->submit(g, clock(), st.steps);
        run_steps();
        pump();
      },
      [=](attempt_done& d) {
        auto& st = self->state;
        st.idle.push_back(d.caller);
        if (!d.error.empty()) st.last_error[d.handle] = d.error;
        if (const int32_t route = st.policy->route_of(d.handle); route >= 0 && d.latency_us > 0)
          st.stats->latency[static_cast<size_t>(route)]->observe(static_cast<double>(d.latency_us) * 1e-6);
        attempt_report rep;
        rep.end = static_cast<attempt_end>(d.end);
        rep.actual = d.actual;
        rep.retry_after_ms = d.retry_after_ms;
        rep.latency_us = d.latency_us;
        st.policy->on_result(d.handle, rep, clock(), st.steps);
        run_steps();
        pump();
      },
      [=](pump_atom) {
        self->state.wake_at = INT64_MAX;
        pump();
      },
      [=](lease_atom, std::string& value) {
        if (!cluster) return;
        auto& book = *cluster->book;
        if (value.empty()) {  // the timer: waits that ran out send what waited to rules
          if (book.expire(clock())) pump();
          for (auto it = cluster->claimed.begin(); it != cluster->claimed.end();) {
            if (clock() - it->second.since < cfg->budget.lease_timeout_ms) {
              ++it;
              continue;
            }
            spdlog::warn("budget: alert claim unanswered by the sequencer in {} ms, sent anyway key={}",
                         cfg->budget.lease_timeout_ms, it->second.a.key);
            cluster->claims[2]->inc();
            self->send(wires->alerts, std::move(it->second.a));
            it = cluster->claimed.erase(it);
          }
          publish_leases();
          self->delayed_send(self, std::chrono::milliseconds(100), lease_atom::value, std::string());
          return;
        }
        lease_record r;
        if (!decode_lease(value, r)) {
          spdlog::warn("budget: malformed record on the sequencer topic ignored");
          return;
        }
        const picousd grant = cluster->seq.apply(r);
        const bool mine = r.holder == book.holder();
        if (mine && r.what == lease_record::op::acquire) {
          (grant > 0 ? cluster->granted : cluster->denied)->inc();
          if (grant == 0)
            spdlog::info("budget: lease denied, the cluster's budget is spent or leased day={} wanted={}",
                         r.day, r.amount);
        }
        if (mine && r.what == lease_record::op::claim) {
          if (auto it = cluster->claimed.find(r.n); it != cluster->claimed.end()) {
            cluster->claims[grant > 0 ? 0 : 1]->inc();
            if (grant > 0) self->send(wires->alerts, std::move(it->second.a));
            else spdlog::info("budget: alert already sent by another instance key={}", r.key);
            cluster->claimed.erase(it);
          }
        }
        const bool changed = book.on_applied(r, grant, clock());
        auto& b = self->state.policy->budget();
        for (auto& name : r.scopes) {
          const int scope = book.scope_index(name);
          if (scope < 0) continue;
          b.set_cluster_spent(scope, r.day, r.month,
                              cluster->seq.spent_day(name, r.day),
                              cluster->seq.spent_month(name, r.month));
        }
        cluster->day = std::max(cluster->day, r.day);
        cluster->held->set(book.unused(0, cluster->day));
        cluster->cluster_spent->set(cluster->seq.spent_day("", cluster->day));
        publish_leases();
        if (changed) pump();
      },
  };
}

}  // namespace

bool cluster_budget_wanted(const config& cfg, const pipeline_env& env) {
  if (!cfg.budget.cluster || env.providers.empty() || env.bootstrap.empty()) return false;
  auto limited = [](const budget_limits& l) { return l.daily >= 0 || l.monthly >= 0; };
  if (limited(cfg.budget.global)) return true;
  for (auto& [agent, l] : cfg.budget.agents)
    if (limited(l)) return true;
  return false;
}

std::shared_ptr<budget_sequencer> start_budget_sequencer(const config& cfg, const pipeline_env& env,
                                                         int64_t timeout_ms) {
  if (!cluster_budget_wanted(cfg, env)) return nullptr;
  auto seq = open_sequencer(cfg, env);
  const auto t0 = std::chrono::steady_clock::now();
  if (seq->wait_caught_up(static_cast<int>(timeout_ms)))
    spdlog::info("budget: sequencer read to its end topic={} ms={}", cfg.kafka.budget_topic,
                 std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count());
  else
    spdlog::warn("budget: sequencer not read to its end within {} ms topic={} (first leases wait for it)",
                 timeout_ms, cfg.kafka.budget_topic);
  return seq;
}

gateway_actor spawn_gateway(caf::actor_system& sys, const pipeline_env& env, sink_actor sink,
                          std::shared_ptr<const wiring> wires,
                          std::shared_ptr<budget_sequencer> sequencer) {
  return sys.spawn(gateway_impl, env, sink, std::move(wires), std::move(sequencer));
}

}  // namespace tickgate
