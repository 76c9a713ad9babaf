#include "actors/gateway/gateway_alerts.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace tickgate {
namespace {
std::string usd(picousd v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "$%.4f", pico_to_usd(v));
  return buf;
}
double rounded(double usd) { return static_cast<double>(static_cast<int64_t>(usd * 1e6 + 0.5)) / 1e6; }
}  // namespace

std::optional<alert> alert_for(const gateway_event& e, gateway_policy& gateway, const config& cfg) {
  alert a;
  a.ts = e.ts;
  const auto& b = gateway.budget();
  const auto& limits = cfg.budget.global;
  nlohmann::json f;
  switch (e.kind) {
    case gateway_event::breaker_closed: return std::nullopt;
    case gateway_event::breaker_opened: {
      const auto& r = gateway.routes().at(e.route);
      a.kind = "breaker_open";
      a.key = "breaker_open/" + r.provider + "/" + r.model;
      a.severity = "warning";
      a.message = "circuit breaker open for " + r.provider + "/" + r.model +
                  ": traffic moves to the next route";
      f = {{"provider", r.provider}, {"model", r.model},
           {"failure_share", r.breaker.failure_share()},
           {"open_s", static_cast<double>(cfg.gateway.breaker_open_ms) / 1000.0}};
      break;
    }
    case gateway_event::level_changed: {
      if (e.level == budget_level::normal) return std::nullopt;
      const double pct = e.level == budget_level::soft      ? cfg.budget.soft_pct
                         : e.level == budget_level::degrade ? cfg.budget.degrade_pct
                                                            : 100.0;
      a.kind = "budget_level";
      a.key = std::string("budget_level/") + to_string(e.level);
      a.severity = e.level == budget_level::hard ? "critical" : "warning";
      a.message = std::string("budget level ") + to_string(e.level) + ": spend reached " +
                  std::to_string(static_cast<int>(pct)) + "% of a limit (today " +
                  usd(b.spent_today()) + " of " + usd(limits.daily) + ", month " +
                  usd(b.spent_month()) + " of " + usd(limits.monthly) + ")";
      f = {{"level", to_string(e.level)},
           {"threshold_pct", pct},
           {"used_pct", rounded(b.global().used_pct())},
           {"spent_today_usd", rounded(pico_to_usd(b.spent_today()))},
           {"daily_usd", pico_to_usd(limits.daily)},
           {"spent_month_usd", rounded(pico_to_usd(b.spent_month()))},
           {"monthly_usd", pico_to_usd(limits.monthly)}};
      break;
    }
    case gateway_event::velocity_stop:
      a.kind = "velocity_stop";
      a.key = "velocity_stop";
      a.severity = "critical";
      a.message = "emergency stop: one window spent more than " +
                  std::to_string(static_cast<int>(cfg.budget.velocity_factor)) +
                  "x the recent average; cache and rules answer for " +
                  std::to_string(cfg.budget.velocity_pause_ms / 1000) + " s";
      f = {{"pause_s", cfg.budget.velocity_pause_ms / 1000},
           {"factor", cfg.budget.velocity_factor}};
      break;
    case gateway_event::projected_overrun: {
      const char* period = e.monthly ? "monthly" : "daily";
      const picousd limit = e.monthly ? limits.monthly : limits.daily;
      const picousd spent = e.monthly ? b.spent_month() : b.spent_today();
      a.kind = "projected_overrun";
      a.key = std::string("projected_overrun/") + period;
      a.severity = "warning";
      a.message = std::string("at this rate the ") + (e.monthly ? "month" : "day") + " ends at " +
                  usd(e.projected) + ", over its " + usd(limit) + " limit";
      f = {{"period", period},
           {"projected_usd", rounded(pico_to_usd(e.projected))},
           {"limit_usd", pico_to_usd(limit)},
           {"spent_usd", rounded(pico_to_usd(spent))},
           {"method", "linear run-rate: spend so far / elapsed share of the period"}};
      break;
    }
  }
  a.fields_json = f.dump();
  return a;
}

std::string cluster_claim_key(const alert& a) {
  if (a.kind == "budget_level" || a.key == "projected_overrun/daily")
    return a.key + "/day/" + std::to_string(budget_policy::day_of(a.ts));
  if (a.key == "projected_overrun/monthly")
    return a.key + "/month/" + std::to_string(budget_policy::month_of(a.ts));
  return {};
}

}  // namespace tickgate
