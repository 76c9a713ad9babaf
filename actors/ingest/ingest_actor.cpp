#include "actors/ingest/ingest_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <spdlog/spdlog.h>

#include <chrono>
#include <set>

#include "actors/alerts/alert_policy.hpp"
#include "actors/ingest/event_merge.hpp"
#include "actors/ingest/offset_tracker.hpp"
#include "actors/ingest/plausibility_policy.hpp"
#include "actors/sink/changelog_book.hpp"
#include "kafka/kafka_conf.hpp"
#include "kafka/kafka_consumer.hpp"
#include "kafka/kafka_health.hpp"
#include "kafka/kafka_producer.hpp"
#include "kafka/partition_reader.hpp"
#include "kafka/topic_range.hpp"
#include "messages/outside_event_codec.hpp"
#include "messages/tick_codec.hpp"

namespace tickgate {
namespace {

/// Stats of the ingest stage.
struct ingest_stats {
  explicit ingest_stats(stats_registry& r) : reg(r) {
    records = &r.add_counter("tickgate_ingest_records_total", "", "Records consumed");
    ticks = &r.add_counter("tickgate_ticks_total", "", "Valid ticks into the pipeline");
    commits = &r.add_counter("tickgate_offset_commits_total", "", "Offset commits");
    commit_errors = &r.add_counter("tickgate_offset_commit_errors_total", "", "Failed commits");
    in_flight = &r.add_gauge("tickgate_ingest_in_flight", "",
                             "Records consumed whose decisions are not yet durable");
    uncommitted = &r.add_gauge("tickgate_ingest_uncommitted", "",
                               "Records consumed and not yet committable (some wait for a paid answer)");
    assigned = &r.add_gauge("tickgate_ingest_assigned_partitions", "",
                            "Partitions of the input topic assigned to this instance");
    lag = &r.add_gauge("tickgate_consumer_lag", "",
                       "Records behind the high watermark, summed over assigned partitions");
    restored_symbols = &r.add_counter("tickgate_state_restored_symbols_total", "",
                                      "Symbols whose state was restored from the changelog");
    restore_ms = &r.add_gauge("tickgate_state_restore_last_ms", "",
                              "Duration of the last state restore on assignment, ms");
    busy_us = &r.add_gauge("tickgate_ingest_busy_us", "",
                           "From the first record consumed to the last commit (until-eof runs)");
    paused = &r.add_gauge("tickgate_ingest_backpressure", "",
                          "1 while no record is taken: pipeline.max_in_flight or max_uncommitted reached");
    pauses = &r.add_counter("tickgate_ingest_backpressure_pauses_total", "",
                            "Times the input stopped because pipeline.max_in_flight or max_uncommitted was reached");
    events = &r.add_counter("tickgate_outside_events_total", "",
                            "Valid outside events (kafka.topics.events) into the pipeline");
    requests = &r.add_counter("tickgate_on_demand_requests_total", "",
                              "Valid requests for an analysis on demand (kafka.topics.requests)");
    events_capped = &r.add_counter("tickgate_outside_events_capped_total", "",
                                   "Outside events whose priority was capped to outside_events.max_priority");
    held = &r.add_gauge("tickgate_ingest_merge_held", "",
                        "Ticks and outside events waiting to be merged by event time");
  }
  counter& level_shift() {
    return reg.add_counter("tickgate_level_shifts_total", "",
                           "Consistent off-centre prints accepted as a genuine level shift");
  }
  counter& dlq(const std::string& code) {
    return reg.add_counter("tickgate_dlq_total", "reason=\"" + code + "\"",
                           "Records sent to the dead-letter topic, by reason");
  }
  stats_registry& reg;
  counter* records;
  counter* ticks;
  counter* commits;
  counter* commit_errors;
  gauge* in_flight;
  gauge* uncommitted;
  gauge* assigned;
  gauge* lag;
  gauge* busy_us;
  gauge* paused;
  counter* pauses;
  counter* events;
  counter* events_capped;
  counter* requests;
  gauge* held;
  counter* restored_symbols;
  gauge* restore_ms;
};

/// Bigger DLQ copies are cut (header tickgate.truncated_from); well under message.max.bytes.
constexpr size_t k_dlq_max_value_bytes = 64 * 1024;

struct ingest_state {
  std::unique_ptr<kafka_consumer> consumer;
  std::unique_ptr<kafka_producer> dlq;
  std::unique_ptr<ingest_stats> stats;
  offset_tracker tracker;
  std::unique_ptr<dlq_rate_alarm> dlq_alarm;
  std::unique_ptr<plausibility_policy> plausible;
  std::string failure;  // set when the pipeline must stop: nothing is committed past it
  kafka_outage_alarm kafka_alarm;  // one alert per outage
  /// Backpressure: no record is taken while pipeline.max_in_flight records are not yet decided
  /// durably (work queued in the pipeline), or max_uncommitted are not yet committable (decided,
  /// behind a paid answer on its way), until both are at half their bound. Nothing queues in the
  /// pipeline beyond the first bound; the second bounds the offsets kept and what a restart
  /// reads again.
  bool backpressure = false;
  // A poll round's records share one reading of the clocks, taken when its first record came
  // (two clock reads a record were 3% of a catch-up's CPU), and one record buffer.
  int64_t round_wall_ms = 0;
  int64_t round_ingest_ns = 0;
  polled_record polled;
  std::vector<tick_batch> outbox;  // per shard: this poll round's ticks and outside events
  /// Sends this poll round's ticks to their shards.
  template <class Self, class Shards>
  void send_outbox(Self* self, const Shards& shards) {
    for (size_t s = 0; s < outbox.size(); ++s)
      if (!outbox[s].empty()) {
        const size_t n = outbox[s].ticks.size();
        self->send(shards[s], std::move(outbox[s]));
        outbox[s].clear();
        outbox[s].ticks.reserve(n);  // the next round is likely as large: no regrowth
      }
  }
  // The inputs read beside the ticks (market.events, ai.requests): by assignment, partition
  // for partition with the group's assignment of the ticks (co-partitioned), their offsets
  // committed with the group's.
  struct side_input {
    input_kind kind;
    std::string topic;
    std::unique_ptr<partition_reader> reader;
    offset_tracker tracker;
    std::set<int32_t> at_eof;
    std::chrono::steady_clock::time_point last_error{};
  };
  std::vector<side_input> sides;
  side_input* side(input_kind k) {
    for (auto& s : sides)
      if (s.kind == k) return &s;
    return nullptr;
  }
  /// Records consumed and not yet committable, over ticks and side inputs.
  size_t uncommitted_records() const {
    size_t n = tracker.in_flight();
    for (auto& s : sides) n += s.tracker.in_flight();
    return n;
  }
  /// Records consumed whose pipeline work is not yet accounted, over ticks and side inputs.
  size_t unaccounted() const {
    size_t n = tracker.unaccounted();
    for (auto& s : sides) n += s.tracker.unaccounted();
    return n;
  }
  std::unique_ptr<event_merge> merge;  // ticks and events by event time (requests go at once)
  std::set<int32_t> assigned;
  std::set<int32_t> at_eof;
  /// Revoked partitions not yet released: paused, their work finishing (bounded wait).
  struct revocation {
    std::vector<int32_t> partitions;
    std::chrono::steady_clock::time_point since;
  };
  std::vector<revocation> revoking;
  std::set<int32_t> revoked;  // the partitions of `revoking`: records of them are not taken
  bool draining = false;
  std::chrono::steady_clock::time_point drain_started{};
  std::chrono::steady_clock::time_point final_commit_since{};  // first failed final commit
  std::chrono::steady_clock::time_point last_commit_warning{};
  /// Released partitions whose last offsets the broker refused during the rebalance: committed
  /// as soon as the group has settled (a member may commit any partition), then forgotten.
  std::set<int32_t> uncommitted;
  std::chrono::steady_clock::time_point uncommitted_since{};
  std::chrono::steady_clock::time_point last_uncommitted_try{};
  bool stop_requested = false;
  int32_t drained_shards = 0;
  // The state changelog (pipeline.changelog, when its topic fits): cuts sent to the shards,
  // cuts the sink has written; offsets are committed only up to a written cut.
  bool changelog = false;
  int64_t epoch = 0;
  std::map<int32_t, int64_t> marked;     // position of the last cut sent
  std::map<int32_t, int64_t> durable;    // position of the last cut written
  std::map<int32_t, int64_t> committed;  // what was last committed
  std::map<int32_t, int64_t> moved_ahead;  // restored past the committed offset: commit there
  std::chrono::steady_clock::time_point last_mark{};
  std::chrono::steady_clock::time_point last_due{};
  std::chrono::steady_clock::time_point last_commit = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point first_record{};
  static inline const char* name = "ingest";
};

ingest_actor::behavior_type ingest_impl(ingest_actor::stateful_pointer<ingest_state> self,
                                        pipeline_env env, std::shared_ptr<const wiring> wires,
                                        caf::actor listener) {
  auto cfg = env.cfg;
  auto& st = self->state;
  st.stats = std::make_unique<ingest_stats>(*env.stats);
  st.dlq_alarm = std::make_unique<dlq_rate_alarm>(cfg->alerts.dlq_window_records,
                                                  cfg->alerts.dlq_max_pct);
  st.plausible = std::make_unique<plausibility_policy>(cfg->input);
  st.plausible->set_idle_ms(static_cast<int64_t>(cfg->symbol_idle_days) * 86'400'000);
  st.consumer = std::make_unique<kafka_consumer>(env.bootstrap, cfg->kafka.group_id,
                                                 cfg->kafka.consumer_properties);
  st.dlq = std::make_unique<kafka_producer>(env.bootstrap, cfg->kafka.producer_properties);
  const auto shards = static_cast<int32_t>(cfg->shards);
  st.changelog = env.changelog;
  for (auto [on, kind, topic] : {std::tuple{env.events, input_kind::events, cfg->kafka.events_topic},
                                  std::tuple{env.requests, input_kind::requests, cfg->kafka.requests_topic}})
    if (on) {
      auto& side = st.sides.emplace_back();
      side.kind = kind;
      side.topic = topic;
      side.reader = std::make_unique<partition_reader>(env.bootstrap, topic, cfg->kafka.consumer_properties);
    }
  // Ticks wait for the side inputs that are read (to their end, or to a later event), no other.
  uint8_t side_bits = 0;
  for (auto& side : st.sides) side_bits |= event_merge::side_bit(side.kind);
  if (!st.sides.empty()) st.merge = std::make_unique<event_merge>(cfg->outside.max_wait_ms, side_bits);
  outside_limits event_limits;
  event_limits.max_bytes = static_cast<size_t>(cfg->outside.max_bytes);
  event_limits.max_text_bytes = static_cast<size_t>(cfg->outside.max_text_bytes);
  event_limits.max_priority = cfg->outside.max_priority;
  event_limits.ticks = cfg->input.limits;
  // Into this round's message of the partition's shard, in merged order.
  auto route_tick = [self, shards](tick&& t) {
    self->state.outbox[static_cast<size_t>(t.partition % shards)].ticks.push_back(std::move(t));
  };
  auto route_event = [self, shards](outside_event&& e) {
    auto& b = self->state.outbox[static_cast<size_t>(e.partition % shards)];
    b.event_at.push_back(static_cast<uint32_t>(b.ticks.size()));
    b.events.push_back(std::move(e));
  };
  // What the merge may release now (flush: everything, the input ends or the partitions go).
  auto release_held = [self, route_tick, route_event, wall = env](bool flush) {
    auto& st = self->state;
    if (!st.merge) return;
    st.merge->release_all(wall.wall_ms(), st.at_eof, flush, route_tick, route_event);
    st.stats->held->set(static_cast<int64_t>(st.merge->held()));
  };
  // Before the first record of a new partition: its state from the changelog, and the offset
  // of the cut it was taken at (at or after the committed one).
  st.consumer->on_assigning([self, shards, wires, cfg, bootstrap = env.bootstrap, env_store = env.store](
                                const std::map<int32_t, int64_t>& committed) {
    auto& st = self->state;
    std::map<int32_t, int64_t> starts;
    if (!st.changelog) return starts;
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<int32_t> parts;
    for (auto& [p, c] : committed) parts.push_back(p);
    std::map<int32_t, restored_partition> restored;
    try {
      const auto props = without_group_properties(cfg->kafka.consumer_properties);
      read_range(bootstrap, cfg->kafka.state_topic,
                 whole_partitions(bootstrap, cfg->kafka.state_topic, parts, props), props,
                 [&](range_record&& r) { fold_changelog(restored[r.partition], cfg->kafka.group_id, r.key, r.value); });
    } catch (const std::exception& e) {
      // Starting cold would make decisions a single instance would not: stop instead.
      if (st.failure.empty()) st.failure = std::string("state changelog not readable: ") + e.what();
      return starts;
    }
    size_t symbols = 0, paid = 0;
    int64_t bytes = 0;
    write_batch answers;  // paid answers of earlier owners, for the callers (no second payment)
    for (auto& [p, rp] : restored)
      for (auto& [id, value] : rp.paid) {
        answers.put(column::state, paid_store_key(id), value);
        ++paid;
      }
    if (!answers.empty()) env_store->write(answers);
    for (auto& [p, rp] : restored) {
      const int64_t c = committed.count(p) ? committed.at(p) : -1;
      if (!rp.states.empty()) {
        state_restore msg;
        for (auto& [sym, state] : rp.states) {
          msg.symbols.push_back(sym);
          msg.symbol_partitions.push_back(p);
          msg.states.push_back(std::move(state));
        }
        symbols += msg.symbols.size();
        self->send(wires->shards[static_cast<size_t>(p % shards)], std::move(msg));
      }
      bytes += rp.bytes;
      if (rp.missing > 0)
        spdlog::warn("ingest: changelog of partition={} ends in an incomplete cut (missing={}): those "
                     "symbols resume from their previous cut", p, rp.missing);
      if (rp.position < 0) continue;
      if (c > rp.position)
        spdlog::warn("ingest: changelog of partition={} is behind its committed offset ({} < {}): "
                     "written by a run without the changelog?", p, rp.position, c);
      else if (rp.position > c)  // everything before the cut was durable when it was written
        starts[p] = st.moved_ahead[p] = rp.position;
      st.durable[p] = std::max(rp.position, c);
      st.marked[p] = std::max(rp.position, c);
      if (c >= 0) st.committed[p] = c;
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - t0).count();
    st.stats->restored_symbols->inc(symbols);
    st.stats->restore_ms->set(ms);
    spdlog::info("ingest: state restored partitions={} symbols={} paid_answers={} bytes={} ms={} moved_ahead={}",
                 parts.size(), symbols, paid, bytes, ms, starts.size());
    return starts;
  });
  // A cut of every partition with records since its last one (or of `only`), into the shards
  // behind the records already sent.
  auto send_marks = [self, shards, wires](const std::set<int32_t>* only) {
    auto& st = self->state;
    std::vector<checkpoint_mark> marks(static_cast<size_t>(shards));
    ++st.epoch;
    for (auto& [p, pos] : st.tracker.polled_ends()) {
      if (only && only->count(p) == 0) continue;
      auto m = st.marked.find(p);
      if (m != st.marked.end() && m->second >= pos) continue;
      st.marked[p] = pos;
      auto& mark = marks[static_cast<size_t>(p % shards)];
      mark.partitions.push_back(p);
      mark.positions.push_back(pos);
    }
    for (size_t s = 0; s < marks.size(); ++s)
      if (!marks[s].partitions.empty()) {
        marks[s].epoch = st.epoch;
        self->send(wires->shards[s], std::move(marks[s]));
      }
    st.last_mark = std::chrono::steady_clock::now();
  };
  // True when the changelog has every partition of `parts` up to its commit point; asks the
  // sink for what is due (at most every 20 ms) while it does not.
  auto changelog_caught_up = [self, wires](const std::vector<int32_t>& parts) {
    auto& st = self->state;
    if (!st.changelog) return true;
    checkpoint_due due;
    for (auto p : parts) {
      const int64_t cp = st.tracker.commit_point(p);
      auto d = st.durable.find(p);
      if (cp < 0 || (d != st.durable.end() && d->second >= cp)) continue;
      due.partitions.push_back(p);
      due.offsets.push_back(cp);
    }
    if (due.partitions.empty()) return true;
    const auto now = std::chrono::steady_clock::now();
    if (now - st.last_due >= std::chrono::milliseconds(20)) {
      st.last_due = now;
      self->send(wires->sink, std::move(due));
    }
    return false;
  };
  // A partition is no longer this instance's: its offsets and cuts are forgotten.
  auto forget_partition = [self, wires](int32_t p) {
    auto& st = self->state;
    st.tracker.drop(p);
    for (auto& side : st.sides) side.tracker.drop(p);
    if (st.merge) st.merge->drop(p);
    if (!st.changelog) return;
    for (auto* m : {&st.marked, &st.durable, &st.committed, &st.moved_ahead}) m->erase(p);
    self->send(wires->sink, checkpoint_due{{p}, {-1}});
  };
  st.consumer->on_assign([self](const std::vector<int32_t>& parts) {
    auto& st = self->state;
    for (auto p : parts) {
      st.assigned.insert(p);
      st.revoked.erase(p);
      st.uncommitted.erase(p);  // back again: its offsets are committed with the others
    }
    // The same partitions of the side inputs, from the group's committed offsets.
    for (auto& side : st.sides) {
      if (st.draining) break;
      try {
        side.reader->assign(st.consumer->committed(side.topic, parts, 10'000));
        for (auto p : parts) side.at_eof.erase(p);
      } catch (const std::exception& e) {
        // Ticks would wait for events that never come: stop instead (nothing is committed).
        if (st.failure.empty()) st.failure = "input " + side.topic + " not readable: " + e.what();
      }
    }
    // Nothing of the side inputs is known yet of a new partition.
    if (st.merge)
      for (auto& side : st.sides)
        for (auto p : parts) st.merge->caught_up(p, side.kind, false);
    // A draining instance takes no new work: the partitions stay paused until it leaves.
    if (st.draining) st.consumer->pause(parts);
    else st.consumer->resume(parts);
    st.stats->assigned->set(static_cast<int64_t>(st.assigned.size()));
    std::string ids;
    for (auto p : parts) ids += (ids.empty() ? "" : ",") + std::to_string(p);
    spdlog::info("ingest: assigned partitions={} ids={} now={} protocol={}", parts.size(), ids,
                 st.assigned.size(), st.consumer->protocol());
  });
  st.consumer->on_revoke([self, shards, wires, send_marks, forget_partition, route_tick, route_event](
                             const std::vector<int32_t>& parts, bool lost) {
    auto& st = self->state;
    for (auto p : parts) {
      st.assigned.erase(p);
      st.at_eof.erase(p);
    }
    st.stats->assigned->set(static_cast<int64_t>(st.assigned.size()));
    for (auto& side : st.sides) {
      side.reader->unassign(parts);
      for (auto p : parts) side.at_eof.erase(p);
    }
    if (lost) {
      // Another member owns them already: nothing of them may be committed from here.
      for (auto p : parts) {
        forget_partition(p);
        st.plausible->drop_partition(p);
      }
      spdlog::warn("ingest: partitions lost (session timed out) partitions={}", parts.size());
      return true;
    }
    // Stop taking records of them, flush their open batches, and release them once what was
    // taken is durable (or the revoke timeout passed): the next owner starts where this one
    // stopped, so nothing is decided or paid twice.
    st.consumer->pause(parts);
    // What the merge holds of them goes now (the events not read yet go to the next owner),
    // then this poll round's ticks: the flush must come after every tick of the partitions.
    if (st.merge)
      for (auto p : parts) st.merge->release(p, 0, true, true, route_tick, route_event);
    st.send_outbox(self, wires->shards);
    // Their last cut, behind their last records: written once those are durable.
    const std::set<int32_t> leaving(parts.begin(), parts.end());
    if (st.changelog) send_marks(&leaving);
    std::set<int32_t> shard_set;
    for (auto p : parts) {
      st.revoked.insert(p);
      shard_set.insert(p % shards);
    }
    for (auto sh : shard_set) {
      partitions_revoked msg;
      for (auto p : parts)
        if (p % shards == sh) msg.partitions.push_back(p);
      self->send(wires->shards[static_cast<size_t>(sh)], std::move(msg));
    }
    st.revoking.push_back({parts, std::chrono::steady_clock::now()});
    spdlog::info("ingest: revoking partitions={} waiting for their work to be durable", parts.size());
    return false;
  });
  // An asynchronous commit that fails is taken again at the next commit, never dropped.
  st.consumer->on_commit([self](const std::map<int32_t, int64_t>& offsets, const std::string& err) {
    if (err.empty()) return;
    self->state.tracker.commit_failed(offsets);
    self->state.stats->commit_errors->inc();
    spdlog::warn("ingest: offset commit failed error=\"{}\" partitions={} (retried)", err, offsets.size());
  });
  st.consumer->subscribe(cfg->kafka.ticks_topic);
  st.outbox.resize(static_cast<size_t>(shards));

  // True when everything durable is committed (or there was nothing to commit). A failed
  // commit (e.g. "rebalance in progress") is taken again next time, never dropped.
  auto commit_ticks = [=](bool sync) {
    auto& st = self->state;
    auto commits = st.tracker.take_commits();
    // A partition restored past its committed offset is committed there even if no record of
    // it ever comes (the cut was written by an owner that died before committing it).
    for (auto& [p, pos] : st.moved_ahead) commits.emplace(p, pos);
    bool held = false;
    if (st.changelog && !commits.empty()) {
      // Only up to a cut the changelog has: a restore then resumes exactly where its state is.
      std::map<int32_t, int64_t> allowed, waiting;
      checkpoint_due due;
      for (auto& [p, next] : commits) {
        auto d = st.durable.find(p);
        const int64_t written = d == st.durable.end() ? -1 : d->second;
        if (written < next) {
          waiting[p] = next;
          due.partitions.push_back(p);
          due.offsets.push_back(next);
        }
        const int64_t upto = std::min(written, next);
        auto c = st.committed.find(p);
        if (upto >= 0 && (c == st.committed.end() || c->second < upto)) allowed[p] = upto;
      }
      st.tracker.commit_failed(waiting);  // taken again until the changelog has caught up
      if (!due.partitions.empty()) self->send(wires->sink, std::move(due));
      held = !waiting.empty();
      commits = std::move(allowed);
    }
    if (commits.empty()) return !held;
    std::string err;
    if (st.consumer->commit(commits, !sync, err)) {
      st.stats->commits->inc();
      for (auto& [p, o] : commits) {
        st.committed[p] = o;
        if (auto m = st.moved_ahead.find(p); m != st.moved_ahead.end() && m->second <= o)
          st.moved_ahead.erase(m);
      }
      return !held;
    }
    st.tracker.commit_failed(commits);
    st.stats->commit_errors->inc();
    const auto now = std::chrono::steady_clock::now();
    if (now - st.last_commit_warning >= std::chrono::seconds(1)) {
      st.last_commit_warning = now;
      spdlog::warn("ingest: offset commit failed error=\"{}\" (retried)", err);
    }
    return false;
  };
  // Outside events' offsets: the group's too, committed (synchronously) once they are done.
  // They are not part of the changelog's cuts: a partition that moves resumes its events at the
  // committed offset.
  auto commit = [=](bool sync) {
    auto& st = self->state;
    bool events_ok = true;
    for (auto& side : st.sides) {
      auto commits = side.tracker.take_commits();
      std::string err;
      if (!commits.empty() && !st.consumer->commit(side.topic, commits, false, err)) {
        side.tracker.commit_failed(commits);
        st.stats->commit_errors->inc();
        events_ok = false;
      }
    }
    return commit_ticks(sync) && events_ok;
  };

  // A bad record of `topic` to the DLQ with its reason; it is done once the DLQ has it.
  auto dead_letter = [=](const std::string& topic, polled_record& r, const std::string& code,
                         const std::string& reason, input_kind in) {
    auto& st = self->state;
    st.stats->dlq(code).inc();
    kafka_headers h{{"tickgate.reason", reason},
                    {"tickgate.source", topic + "/" + std::to_string(r.partition) + "/" +
                                            std::to_string(r.offset)}};
    // The DLQ copy is capped so that it always fits a producer request; the whole record
    // stays at its source offset. A record that cannot reach the DLQ is a decision, not a
    // log line: the pipeline stops and nothing is committed past it.
    std::string_view value = r.value;
    if (value.size() > k_dlq_max_value_bytes) {
      h.emplace_back("tickgate.truncated_from", std::to_string(value.size()));
      value = value.substr(0, k_dlq_max_value_bytes);
    }
    std::string_view key = std::string_view(r.key).substr(0, 1024);
    int32_t p = r.partition;
    int64_t o = r.offset;
    std::string err;
    auto on_delivered = [self, p, o, in](bool ok, const std::string& e) {
      if (ok) {
        auto* side = self->state.side(in);
        (side ? side->tracker : self->state.tracker).done(p, o);
        return;
      }
      spdlog::error("ingest: DLQ record not delivered partition={} offset={} error=\"{}\"", p, o, e);
      if (self->state.failure.empty())
        self->state.failure = "dead-letter record of partition " + std::to_string(p) +
                              " offset " + std::to_string(o) + " not delivered: " + e;
    };
    if (!st.dlq->produce(cfg->kafka.dlq_topic, std::string(key), std::string(value), h,
                         on_delivered, err))
      on_delivered(false, err);
  };

  const auto agents = agent_names(*cfg);
  // One record of market.events or ai.requests: into the merge, or to the DLQ.
  auto handle_side_record = [=](ingest_state::side_input& side, polled_record& r) {
    auto& st = self->state;
    side.at_eof.erase(r.partition);
    side.tracker.polled(r.partition, r.offset);
    const bool request = side.kind == input_kind::requests;
    st.merge->caught_up(r.partition, side.kind, false);
    auto d = request ? decode_request(r.value, event_limits, agents)
                     : decode_outside_event(r.value, event_limits);
    if (d.ok) {
      if (request && d.value.ts <= 0) d.value.ts = std::max<int64_t>(r.timestamp_ms, 1);
      auto v = st.plausible->check_outside(d.value.symbol, d.value.ts, env.wall_ms());
      if (!v.ok) {
        d.ok = false;
        d.code = std::move(v.code);
        d.reason = std::move(v.reason);
      }
    }
    if (!d.ok) return dead_letter(side.topic, r, d.code, d.reason, side.kind);
    if (d.capped) st.stats->events_capped->inc();
    d.value.partition = r.partition;
    d.value.offset = r.offset;
    d.value.ingest_ns = steady_now_ns();
    (request ? st.stats->requests : st.stats->events)->inc();
    // A request: on the state as of its time, at once when the ticks are caught up.
    st.merge->add_event(r.partition, std::move(d.value), env.wall_ms(), request ? 0 : -1);
  };

  auto handle_record = [=](polled_record& r) {
    auto& st = self->state;
    if (st.stats->records->value() == 0) st.first_record = std::chrono::steady_clock::now();
    st.stats->records->inc();
    st.at_eof.erase(r.partition);
    st.tracker.polled(r.partition, r.offset);
    auto d = decode_tick(r.value, cfg->input.limits);
    if (d.ok) {
      auto v = st.plausible->check(r.partition, d.value, st.round_wall_ms);
      if (!v.ok) {
        d.ok = false;
        d.code = std::move(v.code);
        d.reason = std::move(v.reason);
      } else if (v.level_shift) {
        st.stats->level_shift().inc();
        spdlog::warn("ingest: level shift accepted symbol={} partition={} offset={} detail=\"{}\"",
                     d.value.symbol, r.partition, r.offset, v.reason);
      }
    }
    if (st.dlq_alarm->observe(!d.ok)) {
      const auto bad = st.dlq_alarm->fired_bad();
      const auto window = st.dlq_alarm->window();
      alert a;
      a.kind = "dlq_rate";
      a.key = "dlq_rate/" + cfg->kafka.ticks_topic;
      a.severity = "warning";
      a.ts = env.wall_ms();
      a.message = fmt::format("{} of {} records in a block of {} were dead-lettered (limit {:g}%)",
                              bad, st.dlq_alarm->fired_seen(), window, cfg->alerts.dlq_max_pct);
      a.fields_json = fmt::format(R"({{"dead_lettered":{},"records":{},"block":{},"topic":"{}"}})",
                                  bad, st.dlq_alarm->fired_seen(), window, cfg->kafka.dlq_topic);
      self->send(wires->alerts, std::move(a));
    }
    if (!d.ok) return dead_letter(cfg->kafka.ticks_topic, r, d.code, d.reason, input_kind::ticks);
    d.value.partition = r.partition;
    d.value.offset = r.offset;
    d.value.ingest_ns = st.round_ingest_ns;
    st.stats->ticks->inc();
    if (st.merge)
      st.merge->add_tick(r.partition, std::move(d.value));
    else
      st.outbox[static_cast<size_t>(r.partition % shards)].ticks.push_back(std::move(d.value));
  };

  // Revocations whose partitions have nothing in flight any more (or waited long enough) are
  // committed synchronously and released.
  auto finish_revocations = [=] {
    auto& st = self->state;
    const auto now = std::chrono::steady_clock::now();
    for (size_t i = 0; i < st.revoking.size();) {
      auto& r = st.revoking[i];
      size_t left = 0;
      for (auto p : r.partitions) {
        left += st.tracker.in_flight(p);
        for (auto& side : st.sides) left += side.tracker.in_flight(p);
      }
      const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(now - r.since).count();
      const bool in_time = waited < cfg->kafka.revoke_timeout_ms;
      // Their state goes with them: the last cut must be in the changelog before the release.
      const bool state_out = left == 0 && changelog_caught_up(r.partitions);
      if ((left > 0 || !state_out) && in_time) {
        ++i;
        continue;
      }
      // A broker may refuse commits until the rebalance settles, and the rebalance cannot
      // settle before the partitions are released: release them, and commit their offsets
      // right after (a member may commit any partition of the group).
      const bool committed = commit(true);
      for (auto p : r.partitions) {
        st.plausible->drop_partition(p);
        st.revoked.erase(p);
        if (committed) {
          forget_partition(p);
        } else {
          if (st.uncommitted.empty()) st.uncommitted_since = now;
          st.uncommitted.insert(p);
        }
      }
      if (left > 0)
        spdlog::warn("ingest: released partitions={} with records not durable={} after waited_ms={}"
                     " (the next owner re-processes them)", r.partitions.size(), left, waited);
      else
        spdlog::info("ingest: released partitions={} waited_ms={}", r.partitions.size(), waited);
      st.consumer->release(r.partitions);
      st.revoking.erase(st.revoking.begin() + static_cast<std::ptrdiff_t>(i));
    }
  };

  auto start_drain = [=](const std::string& why) {
    auto& st = self->state;
    // Nothing more is taken, but the consumer keeps being polled (rebalances are answered).
    st.consumer->pause({st.assigned.begin(), st.assigned.end()});
    st.draining = true;
    st.drain_started = std::chrono::steady_clock::now();
    // What the merge holds goes in before the last cut and the drain.
    release_held(true);
    st.send_outbox(self, wires->shards);
    if (st.changelog) send_marks(nullptr);  // the last cut, behind the last records
    spdlog::info("ingest: draining pipeline why=\"{}\"", why);
    for (auto& s : wires->shards) self->send(s, drain_atom::value);
  };

  return {
      [=](poll_atom) {
        auto& st = self->state;
        if (!st.draining) {
          // Backpressure: at max_in_flight records not yet decided durably, or max_uncommitted
          // not yet committable, stop taking records until both are at half; librdkafka's own
          // prefetch queue is bounded (queued.max.messages.kbytes), so nothing piles up beyond
          // the bounds. The consumer is not polled meanwhile (sub-second): rebalance callbacks
          // wait that long. (Pausing the partitions instead cost about a second of refetching
          // on every resume.) Records decided and waiting only for a paid answer ahead of them
          // do not count as work in flight: counting them stopped the input for as long as the
          // slowest call took, whenever that many ticks had arrived behind it.
          const auto in_flight = static_cast<int64_t>(st.unaccounted());
          const auto uncommitted = static_cast<int64_t>(st.uncommitted_records());
          if (!st.backpressure && (in_flight >= cfg->max_in_flight || uncommitted >= cfg->max_uncommitted)) {
            st.backpressure = true;
            spdlog::debug("ingest: backpressure on in_flight={} uncommitted={}", in_flight, uncommitted);
            st.stats->pauses->inc();
            st.stats->paused->set(1);
          } else if (st.backpressure && in_flight <= cfg->max_in_flight / 2 &&
                     uncommitted <= cfg->max_uncommitted / 2) {
            st.backpressure = false;
            spdlog::debug("ingest: backpressure off in_flight={} uncommitted={}", in_flight, uncommitted);
            st.stats->paused->set(0);
          }
          const int takes = st.backpressure ? 0 : cfg->kafka.poll_batch;
          for (int i = 0; i < takes; ++i) {
            if (env.max_records > 0 &&
                st.stats->records->value() >= static_cast<uint64_t>(env.max_records))
              break;
            auto& r = st.polled;
            st.consumer->poll(i == 0 ? 50 : 0, r);
            if (r.kind == polled_record::none) break;
            if (i == 0) {
              st.round_wall_ms = env.wall_ms();
              st.round_ingest_ns = steady_now_ns();
            }
            if (r.kind == polled_record::eof) {
              st.at_eof.insert(r.partition);
            } else if (r.kind == polled_record::error) {
              spdlog::warn("ingest: consumer error error=\"{}\"", r.error_text);
            } else if (st.revoked.count(r.partition) == 0) {
              handle_record(r);
            }
          }
          for (auto& side : st.sides) {
            // A side input is read even under backpressure while ticks wait for it (else
            // neither would move), but never more than a poll batch a round.
            const bool wanted = !st.backpressure || st.merge->waiting_for(side.kind);
            for (int i = 0; wanted && i < cfg->kafka.poll_batch; ++i) {
              auto r = side.reader->poll(0);
              if (r.kind == polled_record::none) break;
              if (r.kind == polled_record::eof) {
                side.at_eof.insert(r.partition);
                st.merge->caught_up(r.partition, side.kind, true);
              } else if (r.kind == polled_record::error) {
                const auto now = std::chrono::steady_clock::now();
                if (now - side.last_error >= std::chrono::seconds(5)) {
                  side.last_error = now;
                  spdlog::warn("ingest: consumer error topic={} error=\"{}\"", side.topic, r.error_text);
                }
              } else if (st.revoked.count(r.partition) == 0) {
                handle_side_record(side, r);
              }
            }
          }
          release_held(false);
          st.send_outbox(self, wires->shards);
          if (st.changelog && std::chrono::steady_clock::now() - st.last_mark >=
                                  std::chrono::milliseconds(cfg->checkpoint_interval_ms))
            send_marks(nullptr);
        } else {
          // Draining: records are not taken (a paused partition's prefetched ones are dropped
          // and re-delivered to whoever owns it next), but rebalance callbacks must run.
          st.consumer->poll(0);
        }
        finish_revocations();
        if (!st.uncommitted.empty() &&
            std::chrono::steady_clock::now() - st.last_uncommitted_try >= std::chrono::milliseconds(50)) {
          const auto t = std::chrono::steady_clock::now();
          st.last_uncommitted_try = t;
          const bool gave_up = t - st.uncommitted_since >= std::chrono::milliseconds(cfg->kafka.revoke_timeout_ms);
          if (commit(true) || gave_up) {
            if (gave_up)
              spdlog::error("ingest: offsets of released partitions not committed within {} ms "
                            "partitions={} (their last records will be re-delivered)",
                            cfg->kafka.revoke_timeout_ms, st.uncommitted.size());
            for (auto p : st.uncommitted)
              if (st.revoked.count(p) == 0 && st.assigned.count(p) == 0) forget_partition(p);
            st.uncommitted.clear();
          }
        }
        st.dlq->poll(0);
        st.stats->in_flight->set(static_cast<int64_t>(st.unaccounted()));
        st.stats->uncommitted->set(static_cast<int64_t>(st.uncommitted_records()));
        auto now = std::chrono::steady_clock::now();
        // An outage pauses the pipeline by itself (nothing to consume, outputs wait in the
        // producer); the operator hears of it once, and again only after a recovery.
        const int64_t down = kafka_down_since_ms();
        if (const auto step = st.kafka_alarm.observe(down, env.wall_ms()); step.raise) {
          alert a;
          a.kind = "kafka_unreachable";
          a.key = "kafka_unreachable/" + env.bootstrap;
          a.severity = "critical";
          a.ts = env.wall_ms();
          a.message = "every Kafka broker is unreachable: consuming and publishing paused (" +
                      kafka_last_error() + ")";
          a.fields_json = fmt::format(R"({{"down_since_ms":{}}})", down);
          self->send(wires->alerts, std::move(a));
        } else if (step.recovered) {
          spdlog::info("ingest: kafka reachable again, resuming");
        }
        if (now - st.last_commit >= std::chrono::milliseconds(cfg->kafka.commit_interval_ms)) {
          // Synchronous (a round trip a second): what is committed is known, so a revocation or
          // the end of a drain never mistakes a commit still in flight for a done one. Not
          // while every broker is down (it would block; nothing moves meanwhile anyway).
          if (kafka_down_since_ms() == 0) commit(true);
          st.stats->lag->set(st.consumer->lag({st.assigned.begin(), st.assigned.end()}));
          st.last_commit = now;
        }
        if (!st.draining) {
          bool all_eof = !st.assigned.empty() &&
                         std::all_of(st.assigned.begin(), st.assigned.end(), [&](int32_t p) {
                           if (st.at_eof.count(p) == 0) return false;
                           for (auto& side : st.sides)
                             if (side.at_eof.count(p) == 0) return false;
                           return true;
                         });
          if (!st.failure.empty())
            start_drain("failure: " + st.failure);
          else if (st.stop_requested)
            start_drain("stop requested");
          else if (env.max_records > 0 &&
                   st.stats->records->value() >= static_cast<uint64_t>(env.max_records))
            start_drain("max records reached");
          else if (env.until_eof && all_eof)
            start_drain("every assigned partition is at its end");
        } else {
          bool drained = st.drained_shards == shards && st.uncommitted_records() == 0 && st.dlq->outq_len() == 0;
          if (drained && st.changelog) {
            std::vector<int32_t> parts;
            for (auto& [p, pos] : st.tracker.polled_ends()) parts.push_back(p);
            drained = changelog_caught_up(parts);
          }
          // Every wait has a deadline: what is not durable by then stays uncommitted (a restart
          // re-delivers it) and the run ends with a failure.
          const bool late = now - st.drain_started >= std::chrono::milliseconds(cfg->drain_timeout_ms);
          if (late && st.failure.empty())
            st.failure = "drain timed out after " + std::to_string(cfg->drain_timeout_ms / 1000) +
                         " s with " + std::to_string(st.tracker.in_flight()) +
                         " records not durable (left uncommitted)";
          if (drained || late) {
            // A commit refused while the group rebalances is tried again (the poll above lets
            // the rebalance finish) for up to kafka.revoke_timeout_s; after that what is not
            // committed is re-delivered to the next owner.
            if (!commit(true)) {
              if (st.final_commit_since == std::chrono::steady_clock::time_point{})
                st.final_commit_since = now;
              if (now - st.final_commit_since < std::chrono::milliseconds(cfg->kafka.revoke_timeout_ms)) {
                self->delayed_send(self, std::chrono::milliseconds(20), poll_atom::value);
                return;
              }
              spdlog::error("ingest: final offset commit kept failing for {} ms; uncommitted records "
                            "will be re-delivered", cfg->kafka.revoke_timeout_ms);
            }
            st.stats->lag->set(st.consumer->lag({st.assigned.begin(), st.assigned.end()}));
            if (st.stats->records->value() > 0)
              st.stats->busy_us->set(std::chrono::duration_cast<std::chrono::microseconds>(
                                         std::chrono::steady_clock::now() - st.first_record)
                                         .count());
            st.consumer->close();
            if (st.failure.empty())
              spdlog::info("ingest: drained and committed");
            else
              spdlog::error("ingest: stopped error=\"{}\"", st.failure);
            caf::anon_send(listener, done_atom::value, st.failure);
            self->quit();
            return;
          }
        }
        if (st.draining || st.backpressure)
          self->delayed_send(self, std::chrono::milliseconds(st.draining ? 2 : 1), poll_atom::value);
        else
          self->send(self, poll_atom::value);
      },
      [=](ticks_accounted& batch) {
        auto& st = self->state;
        for (auto& a : batch.ticks)
          if (auto* side = st.side(input_of(a.partition)))
            side->tracker.accounted(source_partition(a.partition), a.offset, a.outstanding);
          else
            st.tracker.accounted(a.partition, a.offset, a.outstanding);
      },
      [=](requests_settled& s) {
        auto& st = self->state;
        for (size_t i = 0; i < s.partitions.size(); ++i)
          if (auto* side = st.side(input_of(s.partitions[i])))
            side->tracker.settled(source_partition(s.partitions[i]), s.offsets[i]);
          else
            st.tracker.settled(s.partitions[i], s.offsets[i]);
      },
      [=](checkpoint_written& w) {
        auto& st = self->state;
        if (st.assigned.count(w.partition) == 0 && st.revoked.count(w.partition) == 0 &&
            st.uncommitted.count(w.partition) == 0)
          return;  // released meanwhile
        auto& d = st.durable[w.partition];
        d = std::max(d, w.position);
      },
      [=](drained_atom, int32_t) { ++self->state.drained_shards; },
      [=](stop_atom) { self->state.stop_requested = true; },
      [=](fail_atom, std::string& why) {
        if (self->state.failure.empty()) self->state.failure = std::move(why);
      },
  };
}

}  // namespace

ingest_actor spawn_ingest(caf::actor_system& sys, const pipeline_env& env,
                          std::shared_ptr<const wiring> wires, caf::actor listener) {
  return sys.spawn<caf::detached>(ingest_impl, env, std::move(wires), std::move(listener));
}

}  // namespace tickgate
