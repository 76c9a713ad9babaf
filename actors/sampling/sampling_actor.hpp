#pragma once
#include <caf/fwd.hpp>

#include "actors/actor_types.hpp"
#include "actors/pipeline_env.hpp"

namespace tickgate {

/// Spawns one shard's sampling stage.
sampling_actor spawn_sampling(caf::actor_system& sys, const pipeline_env& env,
                              batching_actor next);

}  // namespace tickgate
