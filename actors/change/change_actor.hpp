#pragma once
#include <caf/fwd.hpp>

#include "actors/actor_types.hpp"
#include "actors/pipeline_env.hpp"

namespace tickgate {

/// Spawns one shard's change-detection stage.
change_actor spawn_change(caf::actor_system& sys, const pipeline_env& env, sampling_actor next);

}  // namespace tickgate
