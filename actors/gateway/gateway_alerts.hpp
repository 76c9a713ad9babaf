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

}  // namespace tickgate
