#include "app/admin/cost_report.hpp"

#include <cstdio>
#include <cstdlib>
#include <map>

#include "actors/sink/ledger.hpp"

namespace tickgate {

using json = nlohmann::json;

namespace {

json counters_json(const std::vector<int64_t>& c) {
  return {{"requests", c[lf_requests]},
          {"cost_usd", pico_to_usd(c[lf_cost])},
          {"tokens",
           {{"input", c[lf_input]},
            {"cached", c[lf_cached]},
            {"cache_write", c[lf_cache_write]},
            {"output", c[lf_output]}}},
          {"avoided_usd", pico_to_usd(c[lf_avoided])},
          {"dry_run_cost_usd", pico_to_usd(c[lf_would_cost])}};
}

/// One aggregate: "agg/<period>/<label>/<dim>", e.g. label 2023-03-01, dim agent/market_regime.
struct agg_row {
  std::string label;
  std::string dim;
  std::vector<int64_t> c;
};

std::vector<agg_row> scan_aggregates(kv_store& store, const std::string& period) {
  std::vector<agg_row> out;
  const std::string prefix = "agg/" + period + "/";
  store.scan(column::ledger, prefix, [&](std::string_view k, std::string_view v) {
    auto rest = k.substr(prefix.size());
    auto slash = rest.find('/');
    if (slash == std::string_view::npos) return true;
    auto c = unpack_counters(v);
    c.resize(lf_count_, 0);
    out.push_back({std::string(rest.substr(0, slash)), std::string(rest.substr(slash + 1)), c});
    return true;
  });
  return out;
}

std::map<std::string, std::vector<int64_t>> totals(kv_store& store, const std::string& period) {
  std::map<std::string, std::vector<int64_t>> out;
  for (auto& r : scan_aggregates(store, period))
    if (r.dim == "total") out[r.label] = r.c;
  return out;
}

int days_in_month(int year, int month) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : days[month - 1];
}

}  // namespace

uint64_t cache_hit_count(const stats_registry& s) {
  return s.value("tickgate_cache_lookups_total", "result=\"hit\",level=\"memory\"") +
         s.value("tickgate_cache_lookups_total", "result=\"hit\",level=\"rocksdb\"");
}

json estimate_stats(const stats_registry& s) {
  const auto checked = s.total("tickgate_estimate_checked_total");
  const auto billed = static_cast<double>(s.total("tickgate_estimate_billed_picousd_total"));
  const auto estimated = static_cast<double>(s.total("tickgate_estimate_estimated_picousd_total"));
  const auto abs_error = static_cast<double>(s.total("tickgate_estimate_abs_error_picousd_total"));
  json j{{"method", "each billed call against the estimate made before it (prompt tokens per byte and "
                    "prompt-cache share per model, output tokens per agent, learned from earlier bills)"},
         {"calls", checked},
         {"billed_usd", billed / 1e12},
         {"estimated_usd", estimated / 1e12}};
  j["error_pct"] = billed > 0 ? json(100.0 * (estimated - billed) / billed) : json(nullptr);
  j["mean_abs_error_pct"] = billed > 0 ? json(100.0 * abs_error / billed) : json(nullptr);
  return j;
}

json cost_stats(const stats_registry& s, const config& cfg) {
  uint64_t requests = s.total("tickgate_requests_done_total");
  double cost = pico_to_usd(static_cast<picousd>(s.total("tickgate_cost_picousd_total")));
  double would = pico_to_usd(static_cast<picousd>(s.total("tickgate_dry_run_cost_picousd_total")));
  uint64_t misses = s.value("tickgate_cache_lookups_total", "result=\"miss\"");
  uint64_t hits = cache_hit_count(s);
  uint64_t bypassed = s.value("tickgate_cache_lookups_total", "result=\"bypass\"");
  uint64_t input = s.value("tickgate_tokens_total", "kind=\"input\"");
  uint64_t cached = s.value("tickgate_tokens_total", "kind=\"cached\"");
  uint64_t skips = 0;
  for (auto* c : s.counters())
    if (c->name() == "tickgate_decisions_total" && c->labels().rfind("action=\"skip\"", 0) == 0)
      skips += c->value();
  uint64_t ticks = s.total("tickgate_ticks_total");
  double spent = cost > 0 ? cost : would;
  double without = requests > 0 ? static_cast<double>(ticks * cfg.agents.size()) * spent /
                                      static_cast<double>(requests)
                                : 0.0;
  auto ratio = [](uint64_t a, uint64_t b) { return b > 0 ? static_cast<double>(a) / static_cast<double>(b) : 0.0; };
  return {{"calls", requests},
          {"calls_by_source",
           {{"llm", s.value("tickgate_requests_done_total", "source=\"llm\"")},
            {"cache", s.value("tickgate_requests_done_total", "source=\"cache\"")},
            {"rules", s.value("tickgate_requests_done_total", "source=\"rules\"")},
            {"ledger", s.value("tickgate_requests_done_total", "source=\"ledger\"")}}},
          {"cost_usd", cost},
          {"dry_run_cost_usd", would},
          {"avg_cost_per_call_usd", requests > 0 ? cost / static_cast<double>(requests) : 0.0},
          {"response_cache", {{"hits", hits}, {"misses", misses}, {"hit_rate", ratio(hits, hits + misses)},
                              {"bypassed_high_critical", bypassed},
                              {"waited_for_answer_in_flight", s.total("tickgate_cache_coalesced_total")},
                              {"avoided_usd", pico_to_usd(static_cast<picousd>(s.total("tickgate_avoided_cost_picousd_total")))}}},
          {"estimate", estimate_stats(s)},
          {"prompt_cache", {{"cached_tokens", cached}, {"input_tokens", input + cached},
                            {"hit_rate", ratio(cached, input + cached)}}},
          {"ticks", ticks},
          {"sampling_skips", skips},
          {"savings",
           {{"method", "every agent on every tick at this process's average cost per call"},
            {"cost_without_usd", without},
            {"cost_with_usd", spent},
            {"saved_usd", without - spent},
            {"saved_pct", without > 0 ? 100.0 * (without - spent) / without : 0.0},
            {"priced_as", cost > 0 ? "actual" : "dry_run"}}}};
}

json cost_series(kv_store& store, const std::string& period) {
  json out = json::array();
  for (auto& [label, c] : totals(store, period)) {
    auto j = counters_json(c);
    j[period] = label;
    out.push_back(std::move(j));
  }
  return out;
}

json agent_breakdown(kv_store& store) {
  auto rows = scan_aggregates(store, "month");
  if (rows.empty()) return {{"month", nullptr}, {"agents", json::object()}};
  const std::string latest = rows.back().label;  // keys scan in order: the last month is latest
  json agents = json::object();
  for (auto& r : rows)
    if (r.label == latest && r.dim.rfind("agent/", 0) == 0) agents[r.dim.substr(6)] = counters_json(r.c);
  return {{"month", latest}, {"agents", std::move(agents)}};
}

json event_stats(const stats_registry& s) {
  json by_type = json::object(), by_priority = json::object(), decisions = json::object();
  for (auto* c : s.counters()) {
    auto value_of = [&](const char* key) { return label_value(c->labels(), key); };
    if (c->name() == "tickgate_events_by_type_total") by_type[value_of("type")] = c->value();
    if (c->name() == "tickgate_events_total") by_priority[value_of("priority")] = c->value();
    if (c->name() == "tickgate_decisions_total")
      decisions[value_of("action")][value_of("reason")] = c->value();
  }
  return {{"ticks", s.total("tickgate_ticks_total")},
          {"events_by_type", by_type},
          {"events_by_priority", by_priority},
          {"decisions", decisions},
          {"dead_lettered", s.total("tickgate_dlq_total")}};
}

json budget_alert(kv_store& store, double daily_budget, double monthly_budget) {
  auto days = totals(store, "day");
  auto months = totals(store, "month");
  auto usage = [](const std::map<std::string, std::vector<int64_t>>& m, double budget,
                  const char* name) -> json {
    double spent = m.empty() ? 0.0 : pico_to_usd(m.rbegin()->second[lf_cost]);
    double pct = budget > 0 ? 100.0 * spent / budget : 0.0;
    json alerts = json::array();
    for (auto [level, at] : {std::pair{"soft", 80.0}, {"degrade", 90.0}, {"hard", 100.0}})
      if (budget > 0 && pct >= at) alerts.push_back({{"level", level}, {"threshold_pct", at}});
    return {{"period", m.empty() ? json(nullptr) : json(m.rbegin()->first)},
            {"budget_usd", budget},
            {"spent_usd", spent},
            {"usage_pct", pct},
            {"alerts", alerts},
            {"name", name}};
  };
  return {{"daily", usage(days, daily_budget, "daily")},
          {"monthly", usage(months, monthly_budget, "monthly")}};
}

json forecast(kv_store& store) {
  auto days = totals(store, "day");
  if (days.empty()) return {{"method", "no data"}, {"projected_month_usd", 0.0}};
  const std::string month = days.rbegin()->first.substr(0, 7);
  double spent = 0;
  int n = 0, last_day = 0;
  json series = json::array();
  for (auto& [day, c] : days) {
    if (day.rfind(month, 0) != 0) continue;
    spent += pico_to_usd(c[lf_cost]);
    ++n;
    last_day = std::atoi(day.substr(8, 2).c_str());
    series.push_back({{"day", day}, {"cost_usd", pico_to_usd(c[lf_cost])}});
  }
  const int year = std::atoi(month.substr(0, 4).c_str()), mon = std::atoi(month.substr(5, 2).c_str());
  const int total_days = days_in_month(year, mon);
  const double mean = spent / n;
  return {{"month", month},
          {"method", "mean daily cost of the month's days with data, times the days left, plus the cost so far"},
          {"days_with_data", n},
          {"spent_usd", spent},
          {"mean_daily_usd", mean},
          {"projected_month_usd", spent + mean * (total_days - last_day)},
          {"daily", series}};
}

}  // namespace tickgate
