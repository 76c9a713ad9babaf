#pragma once
#include <caf/fwd.hpp>

#include "actors/actor_types.hpp"
#include "actors/pipeline_env.hpp"

namespace tickgate {

/// Spawns one LLM caller on its own thread (it blocks in libcurl; the handle keeps connections
/// alive). It makes exactly the attempt the gateway granted: answers from the ledger when the
/// request id was already paid for, else calls the route's provider once. An answer (or a paid
/// but unusable one) is written ahead to the ledger and sent to the sink; every attempt ends
/// with an attempt_done to the gateway, which decides retries, fallbacks and rules.
caller_actor spawn_caller(caf::actor_system& sys, const pipeline_env& env, gateway_actor gateway,
                          sink_actor sink);

}  // namespace tickgate
