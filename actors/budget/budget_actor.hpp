#pragma once
#include <caf/fwd.hpp>

#include "actors/actor_types.hpp"
#include "actors/pipeline_env.hpp"

namespace tickgate {

/// Spawns the budget and rate-limit actor, which owns the pool of LLM callers: it reserves
/// each call's worst case before granting it, settles to the real cost afterwards, and answers
/// from rules when the budget says no.
budget_actor spawn_budget(caf::actor_system& sys, const pipeline_env& env, sink_actor sink);

}  // namespace tickgate
