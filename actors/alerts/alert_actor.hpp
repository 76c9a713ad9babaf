#pragma once
#include <caf/fwd.hpp>

#include "actors/actor_types.hpp"
#include "actors/pipeline_env.hpp"

namespace tickgate {

/// Spawns the alert actor: deduplicates alerts per key and window (alert_dedup), logs each one
/// as a key=value line, publishes it to kafka.topics.alerts and hands it to one detached
/// webhook actor per configured hook (rate-limited per hook on the wall clock, retried with
/// doubling backoff). Webhook URLs may embed tokens: only their host is ever logged.
alert_actor spawn_alerts(caf::actor_system& sys, const pipeline_env& env);

}  // namespace tickgate
