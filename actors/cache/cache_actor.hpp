#pragma once
#include <caf/fwd.hpp>

#include "actors/actor_types.hpp"
#include "actors/pipeline_env.hpp"

namespace tickgate {

/// Spawns the response cache: a hit goes straight to the sink, a miss on to the gateway.
cache_actor spawn_cache(caf::actor_system& sys, const pipeline_env& env, gateway_actor gateway,
                        sink_actor sink);

}  // namespace tickgate
