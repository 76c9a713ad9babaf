#pragma once
#include <caf/fwd.hpp>

#include "actors/actor_types.hpp"
#include "actors/pipeline_env.hpp"

namespace tickgate {

/// Spawns one LLM caller on its own thread (it blocks in libcurl). It answers a granted request
/// from the ledger when the request id was already paid for, else calls the provider (retrying
/// 429/5xx/timeouts), settles the reservation and hands the outcome to the sink.
caller_actor spawn_caller(caf::actor_system& sys, const pipeline_env& env, budget_actor budget,
                          sink_actor sink);

}  // namespace tickgate
