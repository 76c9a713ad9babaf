#pragma once
#include <caf/fwd.hpp>

#include "actors/actor_types.hpp"
#include "actors/pipeline_env.hpp"
#include "actors/tick_work_pool.hpp"

namespace tickgate {

/// Spawns one shard's prioritise stage: tick -> events and per-agent subscriptions.
/// `pool` (optional): rounds handed back by the shard's batching stage, filled again.
prioritise_actor spawn_prioritise(caf::actor_system& sys, const pipeline_env& env,
                                  change_actor next, std::shared_ptr<tick_work_pool> pool = nullptr);

}  // namespace tickgate
