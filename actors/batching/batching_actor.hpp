#pragma once
#include <caf/fwd.hpp>

#include "actors/actor_types.hpp"
#include "actors/pipeline_env.hpp"
#include "actors/tick_work_pool.hpp"

namespace tickgate {

/// Spawns one shard's batching stage: turns verdicts into requests (direct or batched) and
/// hands the tick's decisions to the sink.
/// `pool` (optional): where a logged round goes back to the shard's prioritise stage.
batching_actor spawn_batching(caf::actor_system& sys, const pipeline_env& env, int32_t shard,
                              cache_actor cache, sink_actor sink,
                              std::shared_ptr<tick_work_pool> pool = nullptr);

}  // namespace tickgate
