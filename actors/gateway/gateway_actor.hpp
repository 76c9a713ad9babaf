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
class budget_sequencer;

/// True when the budget is shared with the cluster: enabled, some budget has a limit, calls
/// can be paid for, and there is a broker.
bool cluster_budget_wanted(const config& cfg, const pipeline_env& env);

/// Starts the sequencer's reader and waits (at most `timeout_ms`) until it has read the log to
/// its end, so that the first leases are granted at once; nullptr when the budget is not shared.
std::shared_ptr<budget_sequencer> start_budget_sequencer(const config& cfg, const pipeline_env& env,
                                                         int64_t timeout_ms);

/// `sequencer`: started by start_budget_sequencer (the pipeline does so before it consumes);
/// without one, a shared budget starts its own.
gateway_actor spawn_gateway(caf::actor_system& sys, const pipeline_env& env, sink_actor sink,
                          std::shared_ptr<const wiring> wires,
                          std::shared_ptr<budget_sequencer> sequencer = nullptr);

}  // namespace tickgate
