#pragma once
#include <caf/fwd.hpp>

#include <memory>

#include "actors/actor_types.hpp"
#include "actors/pipeline_env.hpp"

namespace tickgate {

/// Spawns the sink on its own thread (it blocks in RocksDB and librdkafka): decisions, analyses
/// and ledger entries go to RocksDB first, then to ai.analyses / ai.costs; only then does the
/// ingest actor hear that the ticks are done.
sink_actor spawn_sink(caf::actor_system& sys, const pipeline_env& env,
                      std::shared_ptr<const wiring> wires);

}  // namespace tickgate
