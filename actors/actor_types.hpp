#pragma once
// The typed interfaces of every actor in the pipeline: wiring one stage to the wrong next
// stage fails to compile. Data flow (one instance):
//   ingest -> prioritise -> change -> sampling -> batching -> cache -> budget -> callers -> sink
//                                                      \-> sink (decisions)      sink -> ingest
#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <vector>

#include "actors/cache/cache_policy.hpp"
#include "messages/alert.hpp"
#include "messages/analysis.hpp"
#include "messages/config_update.hpp"

namespace tickgate {

using poll_atom = caf::atom_constant<caf::atom("poll")>;
using drain_atom = caf::atom_constant<caf::atom("drain")>;      // end of input: flush, report
using drained_atom = caf::atom_constant<caf::atom("drained")>;  // a shard has flushed everything
using stop_atom = caf::atom_constant<caf::atom("stop")>;
using done_atom = caf::atom_constant<caf::atom("done")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using fail_atom = caf::atom_constant<caf::atom("fail")>;  // stop: nothing durable past this
using pump_atom = caf::atom_constant<caf::atom("pump")>;  // gateway: time to dispatch again
/// gateway: (lease, record JSON) one record of the budget sequencer, in log order; an empty
/// record is the gateway's own timer for lease waits.
using lease_atom = caf::atom_constant<caf::atom("lease")>;

/// prioritise -> change
struct prioritised {
  std::vector<tick_work> ws;  // the ticks of one poll round for the shard, in order
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, prioritised& x) {
  return f(caf::meta::type_name("prioritised"), x.ws);
}
/// change -> sampling
struct assessed {
  std::vector<tick_work> ws;  // the ticks of one poll round for the shard, in order
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, assessed& x) {
  return f(caf::meta::type_name("assessed"), x.ws);
}
/// sampling -> batching
struct sampled {
  std::vector<tick_work> ws;  // the ticks of one poll round for the shard, in order
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sampled& x) {
  return f(caf::meta::type_name("sampled"), x.ws);
}
/// sink -> cache: how a request that missed the cache ended, one per item: a fresh answer to
/// remember, or (results_json empty) none; either way requests waiting for it go on.
struct cache_store {
  std::string key;  // the item's cache key (item_cache_key); the cache adds the model that answered
  uint16_t agent = 0;
  std::string provider;
  std::string model;
  std::string results_json;
  int64_t event_ts = 0;
  picousd cost = 0;
  double volatility_rank = 0;  // highest among the items
  std::vector<std::string> symbols;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cache_store& x) {
  return f(caf::meta::type_name("cache_store"), x.key, x.agent, x.provider, x.model,
           x.results_json, x.event_ts, x.cost, x.volatility_rank, x.symbols);
}
/// Drop cached answers of an agent and/or a symbol (empty: any), e.g. on an earnings event.
struct cache_invalidate {
  std::string agent;
  std::string symbol;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cache_invalidate& x) {
  return f(caf::meta::type_name("cache_invalidate"), x.agent, x.symbol);
}

/// ingest -> shards (through every stage, in stream order): partitions this instance gives up.
/// Open batches of them are flushed, so that what was polled from them becomes durable and is
/// committed before the partitions are released to their next owner.
/// Each stage then forgets the state of their symbols (prioritise lists them).
struct partitions_revoked {
  std::vector<int32_t> partitions;
  std::vector<std::string> symbols;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, partitions_revoked& x) {
  return f(caf::meta::type_name("partitions_revoked"), x.partitions, x.symbols);
}

/// ingest -> shard, through every stage in stream order, then batching -> sink: a consistent
/// cut of the shard's per-symbol state right after the records polled before it. Prioritise
/// lists the symbols touched since the previous mark; every stage appends its section to each
/// (common/state_codec.hpp). The sink writes it to the changelog once everything before the
/// cut is durable.
struct checkpoint_mark {
  int64_t epoch = 0;
  std::vector<int32_t> partitions;  // with records since the previous mark
  std::vector<int64_t> positions;   // per partition: the first offset after the cut
  std::vector<std::string> symbols;
  std::vector<int32_t> symbol_partitions;
  std::vector<std::string> states;  // per symbol
  // Symbols whose state was dropped since the previous mark (idle past retention): deleted
  // from the changelog with the cut.
  std::vector<std::string> gone;
  std::vector<int32_t> gone_partitions;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, checkpoint_mark& x) {
  return f(caf::meta::type_name("checkpoint_mark"), x.epoch, x.partitions, x.positions, x.symbols,
           x.symbol_partitions, x.states, x.gone, x.gone_partitions);
}
/// ingest -> shard, before the first record of newly assigned partitions: their symbols' state
/// from the changelog; each stage loads its section.
struct state_restore {
  std::vector<std::string> symbols;
  std::vector<int32_t> symbol_partitions;
  std::vector<std::string> states;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, state_restore& x) {
  return f(caf::meta::type_name("state_restore"), x.symbols, x.symbol_partitions, x.states);
}
/// ingest -> sink: per partition, the first offset not yet durable; the latest cut at or before
/// it may be written to the changelog. An offset of -1: the partition left, forget its cuts.
struct checkpoint_due {
  std::vector<int32_t> partitions;
  std::vector<int64_t> offsets;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, checkpoint_due& x) {
  return f(caf::meta::type_name("checkpoint_due"), x.partitions, x.offsets);
}
/// sink -> ingest: the changelog holds the partition's state as of `position` (offsets up to
/// it may be committed).
struct checkpoint_written {
  int32_t partition = 0;
  int64_t position = 0;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, checkpoint_written& x) {
  return f(caf::meta::type_name("checkpoint_written"), x.partition, x.position);
}

using ingest_actor = caf::typed_actor<caf::reacts_to<poll_atom>, caf::reacts_to<ticks_accounted>,
                                      caf::reacts_to<requests_settled>,
                                      caf::reacts_to<checkpoint_written>,
                                      caf::reacts_to<drained_atom, int32_t>,
                                      caf::reacts_to<stop_atom>,
                                      caf::reacts_to<fail_atom, std::string>>;
/// What every decision stage takes besides its own input: stream control and state moves.
#define TICKGATE_STAGE_CONTROL                                                              \
  caf::reacts_to<drain_atom>, caf::reacts_to<partitions_revoked>,                           \
      caf::reacts_to<checkpoint_mark>, caf::reacts_to<state_restore>,                       \
      caf::reacts_to<config_update>
using prioritise_actor =
    caf::typed_actor<caf::reacts_to<tick>, caf::reacts_to<tick_batch>, TICKGATE_STAGE_CONTROL>;
using change_actor = caf::typed_actor<caf::reacts_to<prioritised>, TICKGATE_STAGE_CONTROL>;
using sampling_actor = caf::typed_actor<caf::reacts_to<assessed>, TICKGATE_STAGE_CONTROL>;
using batching_actor =
    caf::typed_actor<caf::reacts_to<sampled>, caf::reacts_to<flush_atom>, TICKGATE_STAGE_CONTROL>;
#undef TICKGATE_STAGE_CONTROL
/// gateway -> cache: the budget level changed (degrade and hard keep answers fresh longer).
struct budget_level_changed {
  uint8_t level = 0;  // budget_level
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, budget_level_changed& x) {
  return f(caf::meta::type_name("budget_level_changed"), x.level);
}

using cache_actor = caf::typed_actor<caf::reacts_to<llm_request>, caf::reacts_to<cache_store>,
                                     caf::reacts_to<cache_invalidate>, caf::reacts_to<flush_atom>,
                                     caf::reacts_to<budget_level_changed>>;
using gateway_actor = caf::typed_actor<caf::reacts_to<cache_miss>, caf::reacts_to<attempt_done>,
                                      caf::reacts_to<pump_atom>,
                                      caf::reacts_to<lease_atom, std::string>>;
using caller_actor = caf::typed_actor<caf::reacts_to<granted>>;
/// Alerts in from any stage; (drain_atom, who): deliver what is pending, then `who` gets
/// done_atom once per webhook (once when there are none).
using alert_actor = caf::typed_actor<caf::reacts_to<alert>, caf::reacts_to<drain_atom, caf::actor>>;
using sink_actor =
    caf::typed_actor<caf::reacts_to<decision_rows>, caf::reacts_to<request_outcome>,
                     caf::reacts_to<drained_atom, int32_t>, caf::reacts_to<flush_atom>,
                     caf::reacts_to<checkpoint_mark>, caf::reacts_to<checkpoint_due>>;

/// Handles that close the pipeline's loops (sink -> ingest, sink -> cache). Filled by the
/// pipeline builder after spawning and before the first message is sent; read-only after.
struct wiring {
  ingest_actor ingest;
  std::vector<prioritise_actor> shards;
  sink_actor sink;
  cache_actor cache;
  alert_actor alerts;
};

}  // namespace tickgate
