#include "actors/batching/batching_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <array>
#include <chrono>
#include <map>
#include <string_view>
#include <unordered_map>

#include "actors/batching/batching_policy.hpp"
#include "actors/sink/decision_record.hpp"
#include "messages/verdict_reason.hpp"

namespace tickgate {
namespace {

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Stats of the batching stage, which sees every final decision.
struct batching_stats {
  explicit batching_stats(stats_registry& r) : reg(r) {
    requests = &r.add_counter("tickgate_requests_total", "kind=\"direct\"", "Requests formed");
    batches = &r.add_counter("tickgate_requests_total", "kind=\"batch\"", "Requests formed");
    batched_items = &r.add_counter("tickgate_batched_events_total", "", "LOW events batched");
  }
  counter& agent_requests(const std::string& agent) {
    auto it = by_agent.find(agent);
    if (it != by_agent.end()) return *it->second;
    auto& c = reg.add_counter("tickgate_agent_requests_total", "agent=\"" + agent + "\"",
                              "Requests formed, by agent");
    by_agent.emplace(agent, &c);
    return c;
  }
  /// By action and the reason's code (its first word): no allocation once both were seen.
  counter& decision(uint8_t act, std::string_view code) {
    auto& codes = by_reason[act & 3];
    auto it = codes.find(code);
    if (it != codes.end()) return *it->second;
    const std::string name = to_string(static_cast<action>(act));
    auto& c = reg.add_counter("tickgate_decisions_total",
                              "action=\"" + name + "\",reason=\"" + std::string(code) + "\"",
                              "Per-agent decisions, by action and reason");
    codes.emplace(std::string(code), &c);
    return c;
  }
  /// Counts a decision for the round; flush_round() adds the round's counts to the shared
  /// counters (one atomic add per distinct reason and round instead of one per verdict).
  void count_decision(const agent_verdict& v) {
    counter* c = nullptr;
    if (formed(v)) {
      // A formed reason's counter by its form: no text compared.
      auto& slot = by_form[v.act & 3][v.reason_form];
      if (!slot) slot = &decision(v.act, reason_code(v));
      c = slot;
    } else {
      c = &decision(v.act, reason_code(v));
    }
    for (auto& [which, n] : round)
      if (which == c) {
        ++n;
        return;
      }
    round.emplace_back(c, 1);
  }
  void flush_round() {
    for (auto& [c, n] : round) c->inc(n);
    round.clear();
  }
  stats_registry& reg;
  std::vector<std::pair<counter*, uint64_t>> round;
  counter* requests;
  counter* batches;
  counter* batched_items;
  std::array<std::map<std::string, counter*, std::less<>>, 4> by_reason;  // by action, then code
  std::array<std::array<counter*, std::size(k_formed_words)>, 4> by_form{};  // by action, then reason_form
  std::unordered_map<std::string, counter*> by_agent;
};

struct batching_state {
  std::shared_ptr<const config> cfg;  // the version requests are formed under
  std::unique_ptr<batching_policy> policy;
  std::unique_ptr<batching_stats> stats;
  histogram* timing = nullptr;
  std::unique_ptr<decision_block_builder> log;  // a round's decision-log blocks
  static inline const char* name = "batching";
};

batching_actor::behavior_type batching_impl(batching_actor::stateful_pointer<batching_state> self,
                                            pipeline_env env, int32_t shard, cache_actor cache,
                                            sink_actor sink, std::shared_ptr<tick_work_pool> pool) {
  self->state.cfg = env.cfg;
  self->state.policy =
      std::make_unique<batching_policy>(env.cfg->batch_size, env.cfg->batch_timeout_ms);
  self->state.stats = std::make_unique<batching_stats>(*env.stats);
  self->state.timing = &stage_latency(*env.stats, "batching");
  self->state.log = std::make_unique<decision_block_builder>(agent_table_id(agent_names(*env.cfg)));
  auto emit = [=](uint16_t agent, std::vector<request_item> items) {
    bool batch = items.size() > 1 || items.front().prio == static_cast<uint8_t>(priority::low);
    (batch ? self->state.stats->batches : self->state.stats->requests)->inc();
    const auto& cfg = *self->state.cfg;
    self->state.stats->agent_requests(cfg.agents[agent].name).inc();
    self->send(cache, make_request(cfg, agent, std::move(items)));
  };
  if (!env.until_eof)  // live: an idle batch also flushes on wall clock
    self->delayed_send(self, std::chrono::seconds(1), flush_atom::value);
  return {
      [=](sampled& m) {
       // The round's records go to the sink in one message, ahead of anything sent after it.
       decision_rows rows;
       rows.reserve(m.ws.size());
       auto& st = self->state;
       round_timer timer{*st.timing, m.ws.size()};
       uint64_t batched = 0;
       for (auto& w : m.ws) {
        for (auto& [agent, items] : st.policy->advance(w.t.partition, w.t.ts))
          emit(agent, std::move(items));
        int32_t outstanding = 0;
        for (auto& v : w.verdicts) {
          auto act = static_cast<action>(v.act);
          st.stats->count_decision(v);
          if (act == action::call) {
            ++outstanding;
            emit(v.agent, {make_item(*self->state.cfg, w, v)});
          } else if (act == action::batch) {
            ++outstanding;
            ++batched;
            auto full = st.policy->add(v.agent, make_item(*self->state.cfg, w, v), wall_ms());
            if (!full.empty()) emit(v.agent, std::move(full));
          }
        }
        st.log->add(rows, w, outstanding);
       }
       st.log->finish(rows);
       st.stats->flush_round();
       if (batched) st.stats->batched_items->inc(batched);
       if (!rows.empty()) self->send(sink, std::move(rows));
       if (pool) pool->give(std::move(m.ws));  // logged: its memory serves a later round
      },
      [=](drain_atom) {
        for (auto& [agent, items] : self->state.policy->flush_all()) emit(agent, std::move(items));
        self->send(sink, drained_atom::value, shard);
      },
      [=](partitions_revoked& r) {
        for (auto p : r.partitions)
          for (auto& [agent, items] : self->state.policy->flush_partition(p))
            emit(agent, std::move(items));
      },
      // Open batches are not part of a checkpoint: a cut is written only once everything polled
      // before it is durable, so whatever a batch held then has been sent and settled.
      [=](checkpoint_mark& m) { self->send(sink, std::move(m)); },
      [=](state_restore&) {},
      [=](flush_atom) {
        for (auto& [agent, items] :
             self->state.policy->flush_idle(wall_ms(), self->state.cfg->batch_idle_flush_ms))
          emit(agent, std::move(items));
        self->delayed_send(self, std::chrono::seconds(1), flush_atom::value);
      },
      [=](config_update& u) {
        self->state.cfg = u.cfg;
        self->state.policy->set_limits(u.cfg->batch_size, u.cfg->batch_timeout_ms);
      },
  };
}

}  // namespace

batching_actor spawn_batching(caf::actor_system& sys, const pipeline_env& env, int32_t shard,
                              cache_actor cache, sink_actor sink,
                              std::shared_ptr<tick_work_pool> pool) {
  return sys.spawn(batching_impl, env, shard, cache, sink, std::move(pool));
}

}  // namespace tickgate
