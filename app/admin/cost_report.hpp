#pragma once
// The read side of the admin API: cost, savings and event statistics as JSON, from the stats
// registry and the ledger aggregates. No HTTP here.
#include <nlohmann/json.hpp>

#include "common/stats.hpp"
#include "config/config.hpp"
#include "storage/kv_store.hpp"

namespace tickgate {

/// Calls, cost, average cost per call, response-cache and prompt-cache hit rates, sampling
/// skips and estimated savings of this process.
nlohmann::json cost_stats(const stats_registry& stats, const config& cfg);
/// Requests the response cache answered (memory and RocksDB levels).
uint64_t cache_hit_count(const stats_registry& stats);
/// The cost estimate against bills: calls compared, totals, error and mean absolute error (%).
nlohmann::json estimate_stats(const stats_registry& stats);
/// One entry per day (or month) in the ledger, oldest first: requests, cost, tokens by kind.
nlohmann::json cost_series(kv_store& store, const std::string& period /* day|month */);
/// Per agent, for the latest month in the ledger.
nlohmann::json agent_breakdown(kv_store& store);
/// Events by type and priority, decisions by action and reason.
nlohmann::json event_stats(const stats_registry& stats);
/// Usage of the latest day and month against the budgets, with alerts at 80/90/100%.
nlohmann::json budget_alert(kv_store& store, double daily_budget_usd, double monthly_budget_usd);
/// Month-end projection from the latest month's daily series.
nlohmann::json forecast(kv_store& store);

}  // namespace tickgate
