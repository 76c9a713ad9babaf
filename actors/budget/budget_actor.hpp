#pragma once
#include <caf/fwd.hpp>

#include <memory>

#include "actors/actor_types.hpp"
#include "actors/pipeline_env.hpp"

namespace tickgate {

/// Spawns the gateway: the budget and rate-limit actor, a thin shell around gateway_policy. It
/// owns the pool of LLM callers and hands each exactly one attempt at a time, so its priority
/// queue decides who goes first; it reserves each call's worst case before dispatch, settles to
/// the real cost, retries and falls back per the policy, and answers from rules when the budget,
/// the breakers or the routes say no. `wires->cache` hears of budget level changes.
budget_actor spawn_budget(caf::actor_system& sys, const pipeline_env& env, sink_actor sink,
                          std::shared_ptr<const wiring> wires);

}  // namespace tickgate
