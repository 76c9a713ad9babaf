#pragma once
#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <memory>

#include "actors/actor_types.hpp"
#include "actors/pipeline_env.hpp"

namespace tickgate {

/// Spawns the ingest actor on its own thread (it blocks in the Kafka poll). It consumes
/// market.ticks in the consumer group, sends bad records to the DLQ, routes ticks to the shard
/// of their partition, and commits offsets only once the sink reports them durable. When the
/// input is drained (--until-eof) or on stop, it drains the pipeline, commits, and sends
/// `done_atom` to `listener`.
ingest_actor spawn_ingest(caf::actor_system& sys, const pipeline_env& env,
                          std::shared_ptr<const wiring> wires, caf::actor listener);

}  // namespace tickgate
