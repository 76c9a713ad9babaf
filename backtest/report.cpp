#include "backtest/report.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <unordered_map>
#include <unordered_set>

#include "common/civil_time.hpp"

namespace tickgate {
namespace {

constexpr int64_t k_hour = 3'600'000;
constexpr size_t k_cost_points = 240;
constexpr size_t k_price_points = 600;
constexpr size_t k_max_notes = 12;  // decisions shown next to a missed event
constexpr size_t k_max_explained = 500;  // missed events shown with their decisions

/// Cumulative sum of `deltas` (sorted by ts) sampled at n equal steps over [from, to].
std::vector<std::pair<int64_t, picousd>> cumulate(const std::vector<std::pair<int64_t, picousd>>& deltas,
                                                  int64_t from, int64_t to) {
  std::vector<std::pair<int64_t, picousd>> out;
  const int64_t span = std::max<int64_t>(1, to - from);
  picousd sum = 0;
  size_t i = 0;
  for (size_t k = 0; k <= k_cost_points; ++k) {
    const int64_t at = from + static_cast<int64_t>(static_cast<double>(span) * static_cast<double>(k) / k_cost_points);
    while (i < deltas.size() && deltas[i].first <= at) sum += deltas[i++].second;
    out.emplace_back(at, sum);
  }
  return out;
}

struct per_call {
  picousd cost = 0;
  int64_t input = 0;
  int64_t output = 0;
};

/// What one single-state call of each agent costs, from tickgate's own calls: the mean over its
/// one-item calls, else over all its calls per item, else the mean of the other agents.
std::vector<per_call> estimate_per_call(const config& cfg, const std::vector<ledger_row>& ledger,
                                        std::string& method) {
  struct acc {
    double cost = 0, input = 0, output = 0, n = 0;
  };
  std::vector<acc> single(cfg.agents.size()), any(cfg.agents.size());
  for (auto& row : ledger) {
    if (!row.is_call() || row.items <= 0) continue;
    const int a = cfg.agent_index(row.agent);
    if (a < 0) continue;
    const double c = static_cast<double>(row.cost + row.would_cost);
    const double items = static_cast<double>(row.items);
    auto& all = any[static_cast<size_t>(a)];
    all.cost += c / items, all.input += static_cast<double>(row.input_tokens) / items;
    all.output += static_cast<double>(row.output_tokens) / items, all.n += 1;
    if (row.items == 1) {
      auto& s = single[static_cast<size_t>(a)];
      s.cost += c, s.input += static_cast<double>(row.input_tokens);
      s.output += static_cast<double>(row.output_tokens), s.n += 1;
    }
  }
  std::vector<per_call> out(cfg.agents.size());
  std::vector<bool> known(cfg.agents.size(), false);
  per_call mean;
  int known_n = 0;
  for (size_t a = 0; a < out.size(); ++a) {
    const acc& use = single[a].n > 0 ? single[a] : any[a];
    if (use.n == 0) continue;
    out[a] = {static_cast<picousd>(use.cost / use.n + 0.5), static_cast<int64_t>(use.input / use.n + 0.5),
              static_cast<int64_t>(use.output / use.n + 0.5)};
    known[a] = true;
    mean.cost += out[a].cost, mean.input += out[a].input, mean.output += out[a].output;
    ++known_n;
  }
  for (size_t a = 0; a < out.size(); ++a)
    if (!known[a] && known_n > 0) out[a] = {mean.cost / known_n, mean.input / known_n, mean.output / known_n};
  method =
      "each naive call is one agent on one state, priced at the mean of tickgate's own one-state "
      "calls of that agent in this run (all its calls per state when it made no one-state call; "
      "the other agents' mean when it made none)";
  return out;
}

strategy_figures naive_strategy(const std::string& name, const std::vector<tick>& ticks,
                                int64_t interval_ms, const std::vector<per_call>& unit,
                                const std::vector<significant_event>& events, int64_t window_ms,
                                int64_t from, int64_t to) {
  strategy_figures f;
  f.name = name;
  per_call all_agents;
  for (auto& u : unit) all_agents.cost += u.cost, all_agents.input += u.input, all_agents.output += u.output;
  const auto calls = naive_calls(ticks, interval_ms);
  std::vector<std::pair<int64_t, picousd>> deltas;
  for (auto& [symbol, times] : calls)
    for (int64_t ts : times) {
      deltas.emplace_back(ts, all_agents.cost);
      f.calls_per_hour[ts / k_hour * k_hour] += static_cast<int64_t>(unit.size());
    }
  const auto n = static_cast<int64_t>(deltas.size());
  f.calls = n * static_cast<int64_t>(unit.size());
  f.input_tokens = n * all_agents.input;
  f.output_tokens = n * all_agents.output;
  f.cost = n * all_agents.cost;
  std::sort(deltas.begin(), deltas.end());
  f.cumulative_cost = cumulate(deltas, from, to);
  f.coverage = measure_coverage(events, calls, window_ms);
  return f;
}

double price_at(const std::vector<std::pair<int64_t, double>>& series, int64_t ts) {
  auto it = std::upper_bound(series.begin(), series.end(), std::make_pair(ts, 1e300));
  return it == series.begin() ? series.front().second : std::prev(it)->second;
}

}  // namespace

backtest_report build_report(const backtest_meta& meta, const config& cfg,
                             const std::vector<tick>& ticks, const std::vector<ledger_row>& ledger,
                             const std::vector<analysis_row>& analyses,
                             const decision_lookup& decisions) {
  backtest_report r;
  r.meta = meta;
  r.ticks = static_cast<int64_t>(ticks.size());
  r.agents = static_cast<int64_t>(cfg.agents.size());
  r.significance = cfg.significance;
  const int64_t window = cfg.significance.reaction_window_ms;
  const int64_t from = meta.from_ts, to = meta.to_ts;

  // The judge: significant events from the ticks alone.
  std::vector<significant_event> events;
  significance_detector detector(cfg.significance);
  std::unordered_map<std::string, std::vector<std::pair<int64_t, double>>> series;
  for (auto& t : ticks) {
    detector.observe(t, events);
    series[t.symbol].emplace_back(t.ts, t.price);
  }
  r.symbols = static_cast<int64_t>(series.size());
  std::stable_sort(events.begin(), events.end(), [](auto& a, auto& b) {
    return a.ts != b.ts ? a.ts < b.ts : a.symbol != b.symbol ? a.symbol < b.symbol : a.kind < b.kind;
  });
  for (auto& k : significant_kinds()) r.events_by_kind[k] = 0;
  for (auto& e : events) ++r.events_by_kind[e.kind];

  // tickgate, from its ledger and analyses.
  strategy_figures tg;
  tg.name = "tickgate";
  std::unordered_set<std::string> call_ids;
  std::vector<std::pair<int64_t, picousd>> deltas;
  int64_t cache_rows = 0;
  for (auto& row : ledger) {
    if (row.source == "cache") ++cache_rows, r.cache_avoided += row.avoided;
    if (!row.is_call()) continue;
    ++tg.calls;
    tg.input_tokens += row.input_tokens;
    tg.output_tokens += row.output_tokens;
    tg.cost += row.cost + row.would_cost;
    call_ids.insert(row.request_id);
    deltas.emplace_back(row.event_ts, row.cost + row.would_cost);
    ++tg.calls_per_hour[row.event_ts / k_hour * k_hour];
  }
  tg.cache_hit_pct = ledger.empty() ? 0.0
                                    : 100.0 * static_cast<double>(cache_rows) /
                                          static_cast<double>(ledger.size());
  analysis_times fresh;
  for (auto& a : analyses)
    if (call_ids.count(a.request_id)) fresh[a.symbol].push_back(a.ts);
  for (auto& [s, v] : fresh) std::sort(v.begin(), v.end());
  tg.coverage = measure_coverage(events, fresh, window);
  r.grid = coverage_grid(cfg.significance, ticks, fresh);
  for (size_t i : tg.coverage.missed) {
    const auto& e = events[i];
    missed_event m{e, {}};
    if (decisions && r.missed.size() < k_max_explained) {
      m.around = decisions(e.symbol, e.ts - 60'000, e.ts + window);
      if (m.around.size() > k_max_notes) {  // the ones nearest the event
        std::stable_sort(m.around.begin(), m.around.end(), [&](auto& a, auto& b) {
          return std::llabs(a.ts - e.ts) < std::llabs(b.ts - e.ts);
        });
        m.around.resize(k_max_notes);
        std::stable_sort(m.around.begin(), m.around.end(), [](auto& a, auto& b) { return a.ts < b.ts; });
      }
    }
    r.missed.push_back(std::move(m));
  }
  std::sort(deltas.begin(), deltas.end());
  tg.cumulative_cost = cumulate(deltas, from, to);
  r.strategies.push_back(std::move(tg));

  // The naive strategies, priced per call from tickgate's own calls.
  const auto unit = estimate_per_call(cfg, ledger, r.naive_pricing);
  r.strategies.push_back(naive_strategy("every_tick", ticks, 0, unit, events, window, from, to));
  r.strategies.push_back(naive_strategy("timer_5m", ticks, 300'000, unit, events, window, from, to));
  r.strategies.push_back(naive_strategy("timer_15m", ticks, 900'000, unit, events, window, from, to));

  // Charts: the three symbols with the most ticks.
  std::vector<std::pair<size_t, std::string>> by_size;
  for (auto& [s, v] : series) by_size.emplace_back(v.size(), s);
  std::sort(by_size.begin(), by_size.end(), [](auto& a, auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  for (size_t i = 0; i < by_size.size() && i < 3; ++i) {
    symbol_chart c;
    c.symbol = by_size[i].second;
    const auto& s = series[c.symbol];
    const int64_t span = std::max<int64_t>(1, s.back().first - s.front().first);
    int64_t last_bucket = -1;
    for (auto& p : s) {  // the first price of each of k_price_points time buckets, and the last
      const auto b = (p.first - s.front().first) * static_cast<int64_t>(k_price_points) / span;
      if (b != last_bucket) c.prices.push_back(p);
      last_bucket = b;
    }
    if (c.prices.back() != s.back()) c.prices.push_back(s.back());
    for (auto& e : events)
      if (e.symbol == c.symbol) c.events.push_back(e);
    if (auto f = fresh.find(c.symbol); f != fresh.end())
      for (int64_t ts : f->second) c.calls.emplace_back(ts, price_at(s, ts));
    r.charts.push_back(std::move(c));
  }
  return r;
}

std::string report_json(const backtest_report& r) {
  using json = nlohmann::json;
  const auto& s = r.significance;
  json j;
  j["input"] = r.meta.input;
  j["provider"] = r.meta.provider;
  j["priced_as"] = r.meta.priced_as;
  j["range"] = {{"from_ts", r.meta.from_ts}, {"to_ts", r.meta.to_ts},
                {"from", utc_day(r.meta.from_ts)}, {"to", utc_day(r.meta.to_ts)}};
  j["config_version"] = r.meta.config_version;
  j["ticks"] = r.ticks;
  j["symbols"] = r.symbols;
  j["agents"] = r.agents;
  j["significance"] = {
      {"price_move", {{"move_pct", s.move_pct}, {"window_s", s.move_window_ms / 1000.0}}},
      {"volume_spike", {{"multiplier", s.volume_multiplier}, {"avg_minutes", s.volume_avg_minutes}}},
      {"volatility_jump", {{"factor", s.vol_jump_factor}, {"window_minutes", s.vol_window_minutes}}},
      {"sr_break", {{"window_s", s.sr_window_ms / 1000.0}, {"min_age_s", s.sr_min_age_ms / 1000.0},
                    {"margin_pct", s.sr_margin_pct}}},
      {"spread_blowout", {{"factor", s.spread_factor}, {"window_s", s.spread_window_ms / 1000.0}}},
      {"cooldown_s", s.cooldown_ms / 1000.0},
      {"reaction_window_s", s.reaction_window_ms / 1000.0},
      {"fresh_analysis", "an analysis of the symbol from a provider call (or, in a dry run, a call "
                         "the live system would make) whose event time is within the reaction "
                         "window after the event; cache answers do not count"}};
  j["events_by_kind"] = r.events_by_kind;
  j["naive_pricing"] = r.naive_pricing;
  json strategies = json::array();
  for (auto& f : r.strategies) {
    json kinds = json::object();
    for (auto& [k, v] : f.coverage.by_kind) kinds[k] = {{"events", v.first}, {"covered", v.second}};
    json cum = json::array();
    for (auto& [ts, c] : f.cumulative_cost) cum.push_back({ts, pico_to_usd(c)});
    json hours = json::object();
    for (auto& [h, n] : f.calls_per_hour) hours[std::to_string(h)] = n;
    strategies.push_back(
        {{"name", f.name},
         {"calls", f.calls},
         {"tokens", {{"input", f.input_tokens}, {"output", f.output_tokens}}},
         {"cost_usd", pico_to_usd(f.cost)},
         {"cost_picousd", f.cost},
         {"cache_hit_pct", f.cache_hit_pct < 0 ? json(nullptr) : json(f.cache_hit_pct)},
         {"coverage",
          {{"events", f.coverage.events},
           {"covered", f.coverage.covered},
           {"covered_pct", f.coverage.share_pct()},
           {"reaction_delay_p50_s", f.coverage.delay_p50_ms < 0 ? json(nullptr) : json(f.coverage.delay_p50_ms / 1000.0)},
           {"reaction_delay_p95_s", f.coverage.delay_p95_ms < 0 ? json(nullptr) : json(f.coverage.delay_p95_ms / 1000.0)},
           {"by_kind", kinds}}},
         {"cumulative_cost_usd", cum},
         {"calls_per_hour", hours}});
  }
  j["strategies"] = strategies;
  const auto& e = r.meta.estimate;
  j["estimate"] = {{"calls_checked", e.calls},
                   {"billed_usd", pico_to_usd(e.billed)},
                   {"estimated_usd", pico_to_usd(e.estimated)},
                   {"error_pct", e.billed > 0 ? json(e.error_pct()) : json(nullptr)},
                   {"mean_abs_error_pct", e.billed > 0 ? json(e.mean_abs_error_pct()) : json(nullptr)},
                   {"prompt_bytes_per_token", e.bytes_per_token},
                   {"calibrated", e.calibrated},
                   {"note", "dry-run calls are priced at the estimate; a recorded backtest checks each estimate "
                            "against the recorded bill before learning from it"}};
  const auto& c = r.meta.cache;
  j["response_cache"] = {
      {"hits", c.hits},
      {"lookups", c.lookups()},
      {"hit_pct_of_lookups", c.hit_pct()},
      {"bypassed_high_critical", c.bypassed},
      {"avoided_usd", pico_to_usd(r.cache_avoided)},
      {"note", "HIGH and CRITICAL requests are always answered fresh and never looked up; lookups "
               "are the requests below HIGH, keyed by each agent's quantised state"}};
  json grid = json::array();
  json worst = json::object();
  for (auto& p : r.grid)
    grid.push_back({{"kind", p.kind}, {"setting", p.setting}, {"events", p.events},
                    {"covered", p.covered}, {"covered_pct", p.share_pct()}});
  for (auto& k : significant_kinds())
    if (auto* w = worst_point(r.grid, k))
      worst[k] = {{"setting", w->setting}, {"events", w->events}, {"covered_pct", w->share_pct()}};
  j["grid"] = {{"points", grid}, {"worst_by_kind", worst}};
  json missed = json::array();
  for (auto& m : r.missed) {
    json around = json::array();
    for (auto& d : m.around)
      around.push_back({{"ts", d.ts}, {"agent", d.agent}, {"action", d.action},
                        {"trigger", d.trigger}, {"reason", d.reason}});
    missed.push_back({{"symbol", m.event.symbol}, {"ts", m.event.ts}, {"kind", m.event.kind},
                      {"price", m.event.price}, {"detail", m.event.detail}, {"decisions", around}});
  }
  j["missed"] = missed;
  return j.dump(2);
}

std::string report_table(const backtest_report& r) {
  std::string out;
  char buf[256];
  std::snprintf(buf, sizeof buf, "\n== tickgate backtest ==\n  %lld ticks, %lld symbols, %lld agents, %s .. %s, provider %s%s\n",
                static_cast<long long>(r.ticks), static_cast<long long>(r.symbols),
                static_cast<long long>(r.agents), utc_day(r.meta.from_ts).c_str(),
                utc_day(r.meta.to_ts).c_str(), r.meta.provider.c_str(),
                r.meta.priced_as == "actual" ? "" : (" (priced as " + r.meta.priced_as + ")").c_str());
  out += buf;
  std::string ev;
  int64_t total = 0;
  for (auto& [k, n] : r.events_by_kind) ev += " " + k + "=" + std::to_string(n), total += n;
  out += "  significant events " + std::to_string(total) + ":" + ev + "\n\n";
  std::snprintf(buf, sizeof buf, "  %-11s %10s %14s %12s %8s %9s %15s\n", "strategy", "calls",
                "tokens in/out", "cost USD", "cache", "covered", "delay p50/p95 s");
  out += buf;
  for (auto& f : r.strategies) {
    char tokens[48], cache[16], delay[32];
    std::snprintf(tokens, sizeof tokens, "%.3gM/%.3gM", static_cast<double>(f.input_tokens) / 1e6,
                  static_cast<double>(f.output_tokens) / 1e6);
    if (f.cache_hit_pct < 0) std::snprintf(cache, sizeof cache, "-");
    else std::snprintf(cache, sizeof cache, "%.1f%%", f.cache_hit_pct);
    if (f.coverage.delay_p50_ms < 0) std::snprintf(delay, sizeof delay, "-");
    else std::snprintf(delay, sizeof delay, "%.0f/%.0f", f.coverage.delay_p50_ms / 1000.0,
                       f.coverage.delay_p95_ms / 1000.0);
    std::snprintf(buf, sizeof buf, "  %-11s %10lld %14s %12.4f %8s %8.1f%% %15s\n", f.name.c_str(),
                  static_cast<long long>(f.calls), tokens, pico_to_usd(f.cost), cache,
                  f.coverage.share_pct(), delay);
    out += buf;
  }
  if (const auto& c = r.meta.cache; c.lookups() + c.bypassed > 0) {
    std::snprintf(buf, sizeof buf,
                  "\n  response cache: %lld hits of %lld lookups below HIGH (%.1f%%), %lld HIGH/CRITICAL "
                  "always fresh; avoided %.4f USD\n",
                  static_cast<long long>(c.hits), static_cast<long long>(c.lookups()),
                  c.hit_pct(),
                  static_cast<long long>(c.bypassed),
                  pico_to_usd(r.cache_avoided));
    out += buf;
  }
  if (const auto& e = r.meta.estimate; e.calls > 0) {
    std::snprintf(buf, sizeof buf,
                  "  cost estimate vs %lld recorded bills: %+.2f%% in total, mean absolute error %.2f%% per call\n",
                  static_cast<long long>(e.calls),
                  e.error_pct(), e.mean_abs_error_pct());
    out += buf;
  } else if (e.bytes_per_token > 0) {
    std::snprintf(buf, sizeof buf, "  dry-run prices: %.2f prompt bytes per token (%s)\n", e.bytes_per_token,
                  e.calibrated ? "calibrated on bills" : "the prior; calibrated once bills are recorded");
    out += buf;
  }
  std::snprintf(buf, sizeof buf, "\n  covered: a fresh analysis of the symbol within %.0f s of the event (event time)\n",
                r.significance.reaction_window_ms / 1000.0);
  out += buf;
  if (!r.grid.empty()) {
    out += "\n  coverage over the judge's grid (worst setting per kind):\n";
    for (auto& k : significant_kinds()) {
      int64_t points = 0;
      for (auto& p : r.grid) points += p.kind == k;
      const grid_point* w = worst_point(r.grid, k);
      if (!w) {
        std::snprintf(buf, sizeof buf, "  %-16s no events at any of %lld settings\n", k.c_str(),
                      static_cast<long long>(points));
      } else {
        std::snprintf(buf, sizeof buf, "  %-16s %5.1f%% of %lld events at %s (%lld settings)\n", k.c_str(),
                      w->share_pct(), static_cast<long long>(w->events), w->setting.c_str(),
                      static_cast<long long>(points));
      }
      out += buf;
    }
  }
  return out;
}

}  // namespace tickgate
