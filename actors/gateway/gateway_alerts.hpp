#pragma once
// What the gateway's events mean to an operator: the alert (kind, dedup key, severity, figures)
// for each event worth one. Pure; the gateway actor sends the result to the alert actor.
#include <optional>

#include "actors/gateway/gateway_policy.hpp"
#include "messages/alert.hpp"

namespace tickgate {

/// The alert for `e`, or nothing (a breaker closing, the budget back to normal).
/// Keys: budget_level/<level>, projected_overrun/<daily|monthly>, breaker_open/<provider>/<model>,
/// velocity_stop.
std::optional<alert> alert_for(const gateway_event& e, gateway_policy& gateway, const config& cfg);

/// What a cluster-wide alert is claimed under in the budget sequencer: its key and its period
/// ("budget_level/soft/day/20500", "projected_overrun/monthly/month/24279"), so that it fires
/// once per level and period for the cluster. "" for alerts about this instance alone (a
/// breaker, a velocity stop), which every instance sends for itself.
std::string cluster_claim_key(const alert& a);

}  // namespace tickgate
