#pragma once
#include <caf/fwd.hpp>

#include "actors/actor_types.hpp"
#include "actors/pipeline_env.hpp"

namespace tickgate {

/// Spawns one shard's prioritise stage: tick -> events and per-agent subscriptions.
prioritise_actor spawn_prioritise(caf::actor_system& sys, const pipeline_env& env,
                                  change_actor next);

}  // namespace tickgate
