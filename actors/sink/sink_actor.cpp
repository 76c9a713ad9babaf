#include "actors/sink/sink_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <spdlog/spdlog.h>

#include <chrono>
#include <functional>

#include "actors/cache/state_key.hpp"
#include "actors/llm/cost_estimate.hpp"
#include "actors/llm/outcome.hpp"
#include "actors/sink/changelog_book.hpp"
#include "actors/sink/decision_record.hpp"
#include "actors/sink/ledger.hpp"
#include "actors/sink/records.hpp"
#include "actors/sink/retention.hpp"
#include "kafka/kafka_producer.hpp"

namespace tickgate {
namespace {

/// Stats of the sink: what was made durable and published.
struct sink_stats {
  explicit sink_stats(stats_registry& r) : reg(r) {
    decisions = &r.add_counter("tickgate_decisions_logged_total", "", "Decisions made durable");
    decision_latency = &r.add_histogram(
        "tickgate_decision_latency_seconds", "",
        "From ingest taking a tick off Kafka to its decisions reaching the sink (before the write)");
    cost = &r.add_counter("tickgate_cost_picousd_total", "", "Money spent on LLM calls, pUSD");
    would_cost = &r.add_counter("tickgate_dry_run_cost_picousd_total", "",
                                "Offline: what the calls would have cost, pUSD");
    avoided = &r.add_counter("tickgate_avoided_cost_picousd_total", "",
                             "Cost avoided by cache hits, pUSD");
    delivery_failed = &r.add_counter("tickgate_sink_delivery_failures_total", "",
                                     "Output records Kafka did not take");
    retention_drops = &r.add_counter("tickgate_retention_decision_drops_total", "",
                                     "Range deletes of decision log days past retention");
    changelog_records = &r.add_counter("tickgate_changelog_records_total", "",
                                       "State changelog records written");
    changelog_bytes = &r.add_counter("tickgate_changelog_bytes_total", "",
                                     "State changelog bytes written (keys and values)");
    for (auto kind : {"input", "cached", "cache_write", "output"})
      tokens.push_back(&r.add_counter("tickgate_tokens_total", std::string("kind=\"") + kind + "\"",
                                      "Tokens by kind"));
  }
  counter& analyses(const std::string& source) {
    return reg.add_counter("tickgate_analyses_total", "source=\"" + source + "\"",
                           "Analyses published, by source");
  }
  counter& requests(const std::string& source) {
    return reg.add_counter("tickgate_requests_done_total", "source=\"" + source + "\"",
                           "Requests finished, by source");
  }
  stats_registry& reg;
  counter* decisions;
  histogram* decision_latency;
  counter* cost;
  counter* would_cost;
  counter* avoided;
  counter* delivery_failed;
  counter* retention_drops;
  counter* changelog_records;
  counter* changelog_bytes;
  std::vector<counter*> tokens;
};

struct sink_state {
  std::unique_ptr<kafka_producer> producer;
  std::unique_ptr<sink_stats> stats;
  write_batch pending;  // decisions, and the analyses of staged outcomes
  ticks_accounted pending_acks;
  std::unique_ptr<ledger_writer> ledger;
  struct staged_outcome {
    request_outcome outcome;
    std::vector<std::string> analyses;  // encoded once: for the store and the topic
  };
  std::vector<staged_outcome> staged;  // written with the next flush, then published
  std::unique_ptr<changelog_book> changelog;
  std::unique_ptr<kafka_producer> changelog_producer;  // idempotent: a cut's records stay in order
  std::unique_ptr<retention_clock> retention;
  std::shared_ptr<std::atomic<int64_t>> newest_ts;  // read by the expiry rules (compaction threads)
  static inline const char* name = "sink";
};

constexpr size_t k_max_batched_ops = 2048;
constexpr size_t k_max_staged_outcomes = 64;

sink_actor::behavior_type sink_impl(sink_actor::stateful_pointer<sink_state> self,
                                    pipeline_env env, std::shared_ptr<const wiring> wires) {
  auto cfg = env.cfg;
  auto& st = self->state;
  auto props = cfg->kafka.producer_properties;
  props.emplace("compression.type", cfg->kafka.compression);
  st.producer = std::make_unique<kafka_producer>(env.bootstrap, props);
  st.stats = std::make_unique<sink_stats>(*env.stats);
  st.ledger = std::make_unique<ledger_writer>(*env.store);
  st.changelog = std::make_unique<changelog_book>(cfg->kafka.group_id);
  {
    // The names the shards' records refer to by their table id.
    const auto names = agent_names(*cfg);
    st.pending.put(column::state, decision_agents_key(agent_table_id(names)), encode_agent_table(names));
  }
  st.retention = std::make_unique<retention_clock>(cfg->decisions_retention_days);
  st.newest_ts = std::make_shared<std::atomic<int64_t>>(INT64_MIN);
  env.store->set_expiry(column::ledger, ledger_expiry(st.newest_ts, cfg->ledger_retention_days));
  env.store->set_expiry(column::analyses, analyses_expiry(st.newest_ts, cfg->analyses_retention_days));
  env.store->set_expiry(column::cache, cache_expiry(st.newest_ts, cfg->cache_max_age_ms));
  auto changelog_producer = [=]() -> kafka_producer& {
    auto& st = self->state;
    if (!st.changelog_producer) {
      auto props = cfg->kafka.producer_properties;
      props.emplace("compression.type", cfg->kafka.compression);
      props["enable.idempotence"] = "true";
      st.changelog_producer = std::make_unique<kafka_producer>(env.bootstrap, props);
    }
    return *st.changelog_producer;
  };
  // A due cut goes to the changelog partition of the same number; once Kafka has all of its
  // records the ingest may commit up to it.
  auto write_cut = [=](int32_t partition, changelog_book::cut cut) {
    auto& st = self->state;
    auto& producer = changelog_producer();
    auto remaining = std::make_shared<size_t>(cut.records.size());
    auto failed = std::make_shared<bool>(false);
    auto ingest = wires->ingest;
    const int64_t position = cut.position;
    auto on_delivery = [=](bool ok, const std::string& err) {
      if (!ok && !*failed) {
        *failed = true;
        spdlog::error("sink: changelog record not delivered partition={} error=\"{}\"", partition, err);
        self->send(ingest, fail_atom::value,
                   "state changelog of partition " + std::to_string(partition) + " not delivered: " + err);
      }
      if (--*remaining == 0 && !*failed) self->send(ingest, checkpoint_written{partition, position});
    };
    for (auto& r : cut.records) {
      st.stats->changelog_records->inc();
      st.stats->changelog_bytes->inc(r.key.size() + r.value.size());
      std::string err;
      const bool queued = r.tombstone
                              ? producer.produce_tombstone(cfg->kafka.state_topic, r.key, on_delivery, err, partition)
                              : producer.produce(cfg->kafka.state_topic, r.key, r.value, {}, on_delivery, err, partition);
      if (!queued) on_delivery(false, err);
    }
    producer.poll(0);
  };
  // A paid answer goes to the changelog of its partition: whoever owns it next answers that
  // request from it instead of paying again. Losing one risks a second payment, not a wrong
  // answer: logged, not fatal.
  auto record_paid = [=](const request_outcome& o, const std::string& ledger, std::function<void()> then) {
    auto& st = self->state;
    const int32_t vp = o.analyses.front().item.partition;
    const int32_t partition = source_partition(vp);
    int64_t max_offset = -1;
    std::vector<std::string> results;
    for (auto& a : o.analyses) {
      max_offset = std::max(max_offset, a.item.offset);
      results.push_back(a.result_json);
    }
    // A tick's paid answer is dropped from the changelog once a cut is past its ticks; an
    // outside event's offset is not a tick position, so its record stays (compacted by key).
    if (!is_event_partition(vp)) st.changelog->add_paid(partition, max_offset, o.request_id);
    std::string err;
    auto on_delivery = [=, id = o.request_id](bool ok, const std::string& e) {
      if (!ok) {
        self->state.stats->delivery_failed->inc();
        spdlog::error("sink: paid answer not recorded in the changelog request={} error=\"{}\"", id, e);
      }
      then();
    };
    auto& producer = changelog_producer();
    st.stats->changelog_records->inc();
    if (!producer.produce(cfg->kafka.state_topic, changelog_paid_key(cfg->kafka.group_id, o.request_id),
                          encode_paid(ledger, results), {}, on_delivery, err, partition))
      on_delivery(false, err);
  };
  // Publishes a durable outcome; its ticks are settled once Kafka has every record of it.
  // `encoded`: the analyses as written to the store, or empty to encode them here.
  auto publish = [=](request_outcome& o, std::vector<std::string> encoded) {
    auto& st = self->state;
    if (encoded.size() != o.analyses.size()) {
      encoded.clear();
      for (auto& a : o.analyses) encoded.push_back(encode_analysis(a));
    }
    const auto ledger = encode_ledger(o);
    auto settled = std::make_shared<requests_settled>();
    for (auto& a : o.analyses) {
      settled->partitions.push_back(a.item.partition);
      settled->offsets.push_back(a.item.offset);
    }
    auto remaining = std::make_shared<int>(static_cast<int>(o.analyses.size()) + 1);
    auto failed = std::make_shared<bool>(false);
    auto ingest = wires->ingest;
    auto on_delivery = [=, request_id = o.request_id](bool ok, const std::string& err) {
      if (!ok) {
        *failed = true;
        self->state.stats->delivery_failed->inc();
        spdlog::error("sink: output record not delivered request={} error=\"{}\"", request_id, err);
        // A lost output is a decision: stop, with nothing committed past the ticks behind it.
        self->send(ingest, fail_atom::value,
                   "output record of request " + request_id + " not delivered: " + err);
      }
      // Ticks stay uncommitted when an output was lost: a restart re-delivers them.
      if (--*remaining == 0 && !*failed) self->send(ingest, std::move(*settled));
    };
    std::vector<std::string> symbols;
    for (auto& a : o.analyses) symbols.push_back(a.item.symbol);
    auto emit = [=, request_id = o.request_id, encoded = std::move(encoded)] {
      auto& st = self->state;
      std::string err;
      auto produce = [&](const std::string& topic, const std::string& key, const std::string& v) {
        if (!st.producer->produce(topic, key, v, {}, on_delivery, err)) on_delivery(false, err);
      };
      for (size_t i = 0; i < encoded.size(); ++i) produce(cfg->kafka.analyses_topic, symbols[i], encoded[i]);
      produce(cfg->kafka.costs_topic, request_id, ledger);
      st.producer->poll(0);
    };
    // The paid answer is recorded first, in Kafka (another producer: its delivery, not its
    // queueing, comes first), so that whoever sees the analysis can count on the record.
    if (env.changelog && o.source == "llm" && o.error.empty() && !o.analyses.empty())
      record_paid(o, ledger, emit);
    else
      emit();

    st.stats->analyses(o.source).inc(o.analyses.size());
    st.stats->requests(o.source).inc();
    st.stats->cost->inc(static_cast<uint64_t>(o.cost));
    st.stats->would_cost->inc(static_cast<uint64_t>(o.would_cost));
    st.stats->avoided->inc(static_cast<uint64_t>(o.avoided));
    st.stats->tokens[0]->inc(static_cast<uint64_t>(o.input_tokens));
    st.stats->tokens[1]->inc(static_cast<uint64_t>(o.cached_tokens));
    st.stats->tokens[2]->inc(static_cast<uint64_t>(o.cache_write_tokens));
    st.stats->tokens[3]->inc(static_cast<uint64_t>(o.output_tokens));
    const int ai = cfg->agent_index(o.agent);  // < 0: an agent this config no longer has
    // A trusted bill: how far was the estimate? Then the estimator learns from it.
    if (o.source == "llm" && o.error.empty() && o.prompt_bytes > 0 && env.estimator &&
        cfg->prices.count(o.model) && ai >= 0) {
      token_usage billed;
      billed.uncached_input = o.input_tokens, billed.cache_read = o.cached_tokens;
      billed.cache_write = o.cache_write_tokens, billed.output = o.output_tokens;
      check_and_learn(*env.estimator, *env.stats, cfg->prices.at(o.model), o.model, o.agent, o.prompt_bytes,
                      cfg->agents.at(static_cast<size_t>(ai)).expected_output_tokens,
                      billed, o.cost);
    }
    // Fresh answers are cached; so are offline (dry-run) and recorded ones, standing in for the
    // answer the model would have given, so a replay hits the cache where a live run would.
    const bool fresh = (o.source == "llm" && o.error.empty()) || o.source == "recorded" ||
                       (o.source == "rules" && o.error == "offline");
    // Every request that missed the cache ends here: each item's answer is cached on its own,
    // keyed by its quantised state (a later request, single or batched, on the same state finds
    // it), and requests waiting for it go on. An outcome without a usable answer settles too.
    if (o.source != "cache" && ai >= 0) {
      const auto agent = static_cast<uint16_t>(ai);
      for (auto& a : o.analyses) {
        cache_store c{item_cache_key(*cfg, agent, a.item), agent, o.provider, o.model, {}, a.item.ts,
                      // what asking again would cost: the item's share (dry run: as priced)
                      a.cost + share_of(o.would_cost, o.analyses.size(), static_cast<size_t>(a.part)),
                      present(a.item.snap.volatility_rank) ? a.item.snap.volatility_rank : 0,
                      {a.item.symbol}};
        if (fresh) c.results_json = "[" + a.result_json + "]";
        self->send(wires->cache, std::move(c));
      }
    }
        };
  // Decisions and staged outcomes are written in one batch; then the ticks behind the decisions
  // are acknowledged and the outcomes published.
  auto flush_pending = [=] {
    auto& st = self->state;
    st.ledger->flush_into(st.pending);
    if (!st.pending.empty()) env.store->write(st.pending);
    st.pending.clear();
    if (!st.pending_acks.ticks.empty()) {
      self->send(wires->ingest, std::move(st.pending_acks));
      st.pending_acks.ticks.clear();
    }
    for (auto& s : st.staged) publish(s.outcome, std::move(s.analyses));
    st.staged.clear();
  };
  self->delayed_send(self, std::chrono::milliseconds(5), flush_atom::value);
  return {
      [=](decision_rows& d) {
        auto& st = self->state;
        const auto now_ns = steady_now_ns();
        // The round's blocks stay in the one buffer they came in: the batch takes it whole.
        const auto bytes = st.pending.adopt(std::move(d.bytes));
        for_each_decision_block(bytes, d, [&](std::string_view key, std::string_view value) {
          st.pending.put_kept(column::decisions, key, value);
        });
        for (size_t i = 0; i < d.size(); ++i) {
          if (d.ingest_ns[i] > 0)
            st.stats->decision_latency->observe(static_cast<double>(now_ns - d.ingest_ns[i]) * 1e-9);
          if (st.retention->observe(d.ts[i])) {
            st.newest_ts->store(d.ts[i], std::memory_order_relaxed);
            if (!st.retention->keeps_forever()) {
              // Whole event days past retention: files wholly inside go at once, the rest
              // under a range tombstone.
              env.store->drop_range(column::decisions, "",
                                    decision_day_prefix(st.retention->first_day_kept()));
              st.stats->retention_drops->inc();
            }
          }
          st.pending_acks.ticks.push_back({d.partitions[i], d.offsets[i], d.outstanding[i]});
        }
        st.stats->decisions->inc(d.verdicts);
        if (st.pending.size() >= k_max_batched_ops) flush_pending();
      },
      [=](request_outcome& o) {
        auto& st = self->state;
        if (o.persisted) {  // the caller wrote it ahead: publish now
          publish(o, {});
          return;
        }
        // Durable before anything is published or acknowledged: staged for the next write.
        auto encoded = add_analyses(o, st.pending);
        // A replay of an already-paid request keeps the original ledger entry untouched.
        if (o.source != "ledger") st.ledger->add(o);
        st.staged.push_back({std::move(o), std::move(encoded)});
        if (st.staged.size() >= k_max_staged_outcomes) flush_pending();
      },
      [=](checkpoint_mark& m) {
        auto& book = *self->state.changelog;
        for (size_t i = 0; i < m.partitions.size(); ++i) book.add_cut(m.partitions[i], m.epoch, m.positions[i]);
        for (size_t i = 0; i < m.gone.size(); ++i)  // no state: a tombstone in the changelog
          book.add_state(m.gone_partitions[i], m.epoch, m.gone[i], {});
        for (size_t i = 0; i < m.symbols.size(); ++i)
          book.add_state(m.symbol_partitions[i], m.epoch, m.symbols[i], std::move(m.states[i]));
      },
      [=](checkpoint_due& d) {
        for (size_t i = 0; i < d.partitions.size(); ++i) {
          if (d.offsets[i] < 0) {
            self->state.changelog->drop(d.partitions[i]);
            continue;
          }
          auto cut = self->state.changelog->take_due(d.partitions[i], d.offsets[i]);
          if (cut.position >= 0) write_cut(d.partitions[i], std::move(cut));
        }
      },
      [=](drained_atom a, int32_t shard) {
        flush_pending();
        self->send(wires->ingest, a, shard);
      },
      [=](flush_atom) {
        flush_pending();
        self->state.producer->poll(0);
        if (self->state.changelog_producer) self->state.changelog_producer->poll(0);
        self->delayed_send(self, std::chrono::milliseconds(5), flush_atom::value);
      },
  };
}

}  // namespace

sink_actor spawn_sink(caf::actor_system& sys, const pipeline_env& env,
                      std::shared_ptr<const wiring> wires) {
  return sys.spawn<caf::detached>(sink_impl, env, std::move(wires));
}

}  // namespace tickgate
