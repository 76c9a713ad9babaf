#include "actors/prioritise/prioritise_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <algorithm>
#include <array>
#include <utility>
#include <unordered_map>

#include "actors/prioritise/prioritise_policy.hpp"
#include "actors/stage_checkpoint.hpp"
#include "common/period_clock.hpp"
#include "messages/verdict_reason.hpp"

namespace tickgate {
namespace {

/// Stats of the prioritise stage.
struct prioritise_stats {
  explicit prioritise_stats(stats_registry& r) {
    timer_5m = &r.add_counter("tickgate_timer_baseline_buckets_total", "interval=\"5m\"",
                              "Symbol x 5-minute buckets with ticks (fixed-timer baseline)");
    timer_15m = &r.add_counter("tickgate_timer_baseline_buckets_total", "interval=\"15m\"",
                               "Symbol x 15-minute buckets with ticks (fixed-timer baseline)");
    for (int p = 0; p < 4; ++p) {
      std::string lbl = std::string("priority=\"") + to_string(static_cast<priority>(p)) + "\"";
      by_priority[p] = &r.add_counter("tickgate_events_total", lbl, "Events derived, by priority");
    }
    for (int t = 0; t < static_cast<int>(event_type::count_); ++t)
      by_type[t] = &r.add_counter("tickgate_events_by_type_total",
                                  std::string("type=\"") + to_string(static_cast<event_type>(t)) + "\"",
                                  "Events derived, by type");
    evicted = &r.add_counter("tickgate_symbols_evicted_total", "",
                             "Symbols whose state was dropped after symbol_idle_days without a tick");
  }
  // Baselines for the summary: a fixed timer per agent fires once per interval bucket in which
  // the symbol traded; these count (symbol, bucket) pairs.
  counter* timer_5m = nullptr;
  counter* timer_15m = nullptr;
  counter* evicted = nullptr;
  counter* by_priority[4];
  counter* by_type[static_cast<int>(event_type::count_)];
  // A round's counts, added to the shared counters once per round (flush_round).
  std::array<uint64_t, 4> round_priority{};
  std::array<uint64_t, static_cast<size_t>(event_type::count_)> round_type{};
  uint64_t round_5m = 0, round_15m = 0;
  void count_event(uint8_t prio, uint8_t type) {
    ++round_priority[prio & 3];
    if (type < round_type.size()) ++round_type[type];
  }
  void flush_round() {
    for (size_t p = 0; p < round_priority.size(); ++p)
      if (round_priority[p]) by_priority[p]->inc(std::exchange(round_priority[p], 0));
    for (size_t t = 0; t < round_type.size(); ++t)
      if (round_type[t]) by_type[t]->inc(std::exchange(round_type[t], 0));
    if (round_5m) timer_5m->inc(std::exchange(round_5m, 0));
    if (round_15m) timer_15m->inc(std::exchange(round_15m, 0));
  }
};

struct prioritise_state {
  std::unique_ptr<prioritise_policy> policy;
  std::unique_ptr<prioritise_stats> stats;
  histogram* timing = nullptr;
  std::shared_ptr<const config> cfg;
  // What the actor keeps per symbol (one lookup a tick): its partition (for checkpoints and
  // revocations), whether it was touched since the last mark, its last 5 and 15 minute buckets.
  struct symbol_entry {
    int32_t partition = -1;
    bool dirty = false;
    int64_t bucket_5m = -1;
    int64_t bucket_15m = -1;
  };
  std::unordered_map<std::string, symbol_entry> symbols;
  std::vector<std::string> dirty;  // in the order first touched since the last mark; a symbol
                                   // dropped meanwhile stays listed (its entry is gone)
  period_clock sweep_clock{3'600'000};  // idle symbols are swept once per hour of event time
  std::vector<std::pair<std::string, int32_t>> gone;  // dropped since the last mark
  round_filler filler;  // the elements recycled rounds had beyond the next
  static inline const char* name = "prioritise";
};

prioritise_actor::behavior_type prioritise_impl(
    prioritise_actor::stateful_pointer<prioritise_state> self, pipeline_env env,
    change_actor next, std::shared_ptr<tick_work_pool> pool) {
  auto& st = self->state;
  st.cfg = env.cfg;
  st.policy = std::make_unique<prioritise_policy>(env.cfg->events);
  st.stats = std::make_unique<prioritise_stats>(*env.stats);
  st.timing = &stage_latency(*env.stats, "prioritise");
  // Symbols without a tick for storage.retention.symbol_idle_days leave every stage (as a
  // revoked partition's do) and the changelog; one that trades again starts cold.
  const int64_t idle_ms = static_cast<int64_t>(env.cfg->symbol_idle_days) * 86'400'000;
  auto sweep = [=](int64_t now) {
    auto& st = self->state;
    if (idle_ms <= 0 || !st.sweep_clock.advance(now)) return;
    partitions_revoked r;
    r.symbols = st.policy->idle_symbols(now - idle_ms);
    if (r.symbols.empty()) return;
    for (auto& sym : r.symbols) {
      st.policy->forget(sym);
      if (auto it = st.symbols.find(sym); it != st.symbols.end()) {
        st.gone.emplace_back(sym, it->second.partition);
        st.symbols.erase(it);
      }
    }
    st.stats->evicted->inc(r.symbols.size());
    self->send(next, std::move(r));
  };
  // One tick into the next element of `out` (`used` of them filled: a recycled round's others
  // are overwritten in turn); the stages pass a poll round's ticks on as one message.
  auto process = [=](tick& t, std::vector<tick_work>& out, size_t& used) {
    auto& st = self->state;
    sweep(t.ts);
    tick_work& w = self->state.filler.next(out, used);
    w.snap = snapshot{};
    w.top_prio = 0;
    st.policy->assess(t, w.snap, w.events);
    auto& entry = st.symbols[t.symbol];
    entry.partition = t.partition;
    if (!entry.dirty) {
      entry.dirty = true;
      st.dirty.push_back(t.symbol);
    }
    if (t.ts / 300'000 != entry.bucket_5m) ++st.stats->round_5m;
    if (t.ts / 900'000 != entry.bucket_15m) ++st.stats->round_15m;
    entry.bucket_5m = t.ts / 300'000;
    entry.bucket_15m = t.ts / 900'000;
    w.t = std::move(t);
    w.config_version = st.cfg->version;
    for (auto& e : w.events) {
      w.top_prio = std::max(w.top_prio, e.prio);
      st.stats->count_event(e.prio, e.type);
    }
    initial_verdicts(st.cfg->agents, w);
  };
  // An outside event: the symbol's state as of its latest tick, unchanged, with the event.
  auto process_outside = [=](outside_event& e, std::vector<tick_work>& out, size_t& used) {
    auto& st = self->state;
    tick_work& w = self->state.filler.next(out, used);
    w.t = tick{};
    w.snap = snapshot{};
    st.policy->outside(e, w.t, w.snap, w.events);
    const bool request = e.type == static_cast<uint8_t>(event_type::on_demand);
    w.t.partition = input_partition(request ? input_kind::requests : input_kind::events, e.partition);
    w.t.offset = e.offset;
    w.t.ingest_ns = e.ingest_ns;
    // A symbol first seen in an event belongs to the partition it came in (revocation).
    if (auto [it, fresh] = st.symbols.try_emplace(e.symbol); fresh) it->second.partition = e.partition;
    w.config_version = st.cfg->version;
    w.top_prio = e.prio;
    st.stats->count_event(e.prio, e.type);
    initial_verdicts(st.cfg->agents, w);
    if (request)
      // Asked of one agent, whatever it subscribes to.
      for (auto& v : w.verdicts) {
        const bool asked = v.agent == e.agent;
        v.subscribed = asked;
        v.trigger = asked ? e.type : 0;
        v.prio = asked ? e.prio : 0;
        v.act = static_cast<uint8_t>(asked ? action::pending : action::skip);
        if (asked) set_reason_text(v, "");
        else set_reason(v, reason_form::not_subscribed);
      }
  };
  return {
      [=](tick& t) {
        prioritised m;
        if (pool) m.ws = pool->take();
        size_t used = 0;
        {
          round_timer timer{*self->state.timing, 1};
          process(t, m.ws, used);
        }
        self->state.filler.finish(m.ws, used);
        self->state.stats->flush_round();
        self->send(next, std::move(m));
      },
      [=](tick_batch& b) {
        prioritised m;
        if (pool) m.ws = pool->take();
        m.ws.reserve(b.ticks.size() + b.events.size());
        size_t used = 0;
        {
          round_timer timer{*self->state.timing, b.ticks.size()};
          // An idle sweep's partitions_revoked overtakes the ticks of the round processed
          // before it; none of those is of a swept symbol (a tick makes its symbol recent).
          size_t e = 0;
          for (size_t i = 0; i < b.ticks.size(); ++i) {
            for (; e < b.events.size() && b.event_at[e] <= i; ++e) process_outside(b.events[e], m.ws, used);
            process(b.ticks[i], m.ws, used);
          }
          for (; e < b.events.size(); ++e) process_outside(b.events[e], m.ws, used);
        }
        self->state.filler.finish(m.ws, used);
        self->state.stats->flush_round();
        self->send(next, std::move(m));
      },
      [=](drain_atom a) { self->send(next, a); },
      [=](partitions_revoked& r) {
        // Their state leaves with them: a later owner restores it from the changelog.
        auto& st = self->state;
        for (auto it = st.symbols.begin(); it != st.symbols.end();) {
          if (std::find(r.partitions.begin(), r.partitions.end(), it->second.partition) == r.partitions.end()) {
            ++it;
            continue;
          }
          r.symbols.push_back(it->first);
          st.policy->forget(it->first);
          it = st.symbols.erase(it);
        }
        self->send(next, std::move(r));
      },
      [=](checkpoint_mark& m) {
        auto& st = self->state;
        for (auto& sym : st.dirty) {
          auto it = st.symbols.find(sym);
          if (it == st.symbols.end() || !it->second.dirty) continue;  // dropped, or listed twice
          it->second.dirty = false;
          m.symbols.push_back(sym);
          m.symbol_partitions.push_back(it->second.partition);
          m.states.emplace_back();
          append_section(m.states.back(), st.policy->save(sym));
        }
        st.dirty.clear();
        for (auto& [sym, partition] : st.gone) {
          if (st.symbols.count(sym)) continue;  // traded again: its new state is in this mark
          m.gone.push_back(sym);
          m.gone_partitions.push_back(partition);
        }
        st.gone.clear();
        self->send(next, std::move(m));
      },
      [=](state_restore& r) {
        for (size_t i = 0; i < r.symbols.size(); ++i)
          self->state.symbols[r.symbols[i]].partition = r.symbol_partitions[i];
        restore_checkpoint(*self->state.policy, r, 0, "prioritise");
        self->send(next, std::move(r));
      },
      [=](config_update& u) {
        self->state.cfg = u.cfg;
        self->state.policy->set_thresholds(u.cfg->events);
        self->send(next, std::move(u));
      },
  };
}

}  // namespace

prioritise_actor spawn_prioritise(caf::actor_system& sys, const pipeline_env& env,
                                  change_actor next, std::shared_ptr<tick_work_pool> pool) {
  return sys.spawn(prioritise_impl, env, next, std::move(pool));
}

}  // namespace tickgate
