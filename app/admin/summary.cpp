#include "app/admin/summary.hpp"

#include "app/admin/cost_report.hpp"

#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

namespace tickgate {

std::string run_summary(const pipeline_env& env, double seconds) {
  auto& s = *env.stats;
  std::ostringstream o;
  char buf[256];
  auto line = [&](const char* label, const std::string& value) {
    std::snprintf(buf, sizeof buf, "  %-26s %s\n", label, value.c_str());
    o << buf;
  };
  auto n = [](uint64_t v) { return std::to_string(v); };
  uint64_t records = s.total("tickgate_ingest_records_total");
  uint64_t ticks = s.total("tickgate_ticks_total");
  o << "\n== tickgate run summary ==\n";
  line("provider", env.provider_note);
  const int64_t busy_us = s.gauge_value("tickgate_ingest_busy_us");
  double busy = static_cast<double>(busy_us) / 1e6;
  if (env.until_eof)
    std::snprintf(buf, sizeof buf,
                  "%s records; %.2f s first record to last commit (%.0f records/s); %.2f s in all",
                  n(records).c_str(), busy, busy > 0 ? static_cast<double>(records) / busy : 0.0,
                  seconds);
  else  // live: the time includes waiting for input, so a rate would mislead
    std::snprintf(buf, sizeof buf, "%s records in %.2f s of running", n(records).c_str(), seconds);
  line("input", buf);
  line("ticks", n(ticks));
  line("dead-lettered", n(s.total("tickgate_dlq_total")));
  std::string ev;
  for (auto p : {"CRITICAL", "HIGH", "MEDIUM", "LOW"})
    ev += std::string(p) + "=" +
          n(s.value("tickgate_events_total", std::string("priority=\"") + p + "\"")) + " ";
  line("events by priority", ev);
  std::string et;
  for (int t = 0; t < static_cast<int>(event_type::count_); ++t) {
    const char* name = to_string(static_cast<event_type>(t));
    et += std::string(name) + "=" +
          n(s.value("tickgate_events_by_type_total", std::string("type=\"") + name + "\"")) + " ";
  }
  line("events by type", et);
  std::map<std::string, uint64_t> by_action;
  std::map<std::string, uint64_t> skips;
  std::map<std::string, uint64_t> calls;
  for (auto* c : s.counters()) {
    if (c->name() != "tickgate_decisions_total") continue;
    const auto act = label_value(c->labels(), "action");
    by_action[act] += c->value();
    (act == "skip" ? skips : calls)[label_value(c->labels(), "reason")] += c->value();
  }
  std::string dec;
  for (auto& [a, v] : by_action) dec += a + "=" + n(v) + " ";
  line("agent decisions", dec);
  std::string sk;
  for (auto& [r, v] : skips) sk += r + "=" + n(v) + " ";
  line("skips by reason", sk);
  std::string ca;
  for (auto& [r, v] : calls) ca += r + "=" + n(v) + " ";
  line("calls by reason", ca);
  uint64_t direct = s.value("tickgate_requests_total", "kind=\"direct\"");
  uint64_t batches = s.value("tickgate_requests_total", "kind=\"batch\"");
  line("requests", n(direct + batches) + " (direct " + n(direct) + ", batched " + n(batches) + ")");
  std::string src;
  for (auto k : {"llm", "cache", "rules", "ledger"})
    src += std::string(k) + "=" +
           n(s.value("tickgate_analyses_total", std::string("source=\"") + k + "\"")) + " ";
  line("analyses by source", src);
  const uint64_t misses = s.value("tickgate_cache_lookups_total", "result=\"miss\"");
  const uint64_t hits = cache_hit_count(s);
  const uint64_t bypassed = s.value("tickgate_cache_lookups_total", "result=\"bypass\"");
  std::snprintf(buf, sizeof buf, "%s / %s (hit rate %.1f%%); %s HIGH/CRITICAL always fresh", n(hits).c_str(),
                n(misses).c_str(),
                hits + misses > 0 ? 100.0 * static_cast<double>(hits) / static_cast<double>(hits + misses) : 0.0,
                n(bypassed).c_str());
  line("cache hits / misses", buf);
  // Gateway: how requests that missed the cache were answered when no provider did.
  std::string gw;
  for (const auto* c : s.counters())
    if (c->name() == "tickgate_budget_decisions_total" && label_value(c->labels(), "result") == "rules" &&
        c->value() > 0)
      gw += label_value(c->labels(), "reason") + "=" + n(c->value()) + " ";
  line("gateway dispatched", n(s.value("tickgate_budget_decisions_total", "result=\"granted\"")));
  line("gateway rules by reason", gw.empty() ? "none" : gw);
  double cost = static_cast<double>(s.total("tickgate_cost_picousd_total")) / 1e12;
  double would = static_cast<double>(s.total("tickgate_dry_run_cost_picousd_total")) / 1e12;
  std::snprintf(buf, sizeof buf, "$%.6f", cost);
  line("LLM cost", buf);
  if (would > 0) {
    std::snprintf(buf, sizeof buf, "$%.6f (offline: priced, not sent)", would);
    line("dry-run cost", buf);
  }
  const auto agents = env.cfg->agents.size();
  // Savings, as /ai-cost/stats reports them.
  const auto savings = cost_stats(s, *env.cfg)["savings"];
  if (savings["cost_without_usd"].get<double>() > 0 && savings["cost_with_usd"].get<double>() > 0) {
    std::snprintf(buf, sizeof buf, "$%.4f with tickgate vs $%.4f without: saved $%.4f (%.2f%%)%s",
                  savings["cost_with_usd"].get<double>(), savings["cost_without_usd"].get<double>(),
                  savings["saved_usd"].get<double>(), savings["saved_pct"].get<double>(),
                  savings["priced_as"] == "actual" ? "" : " (dry-run prices)");
    line("savings", buf);
    double avoided = static_cast<double>(s.total("tickgate_avoided_cost_picousd_total")) / 1e12;
    if (avoided > 0) {
      std::snprintf(buf, sizeof buf, "$%.6f", avoided);
      line("avoided by cache hits", buf);
    }
  }
  if (ticks > 0) {
    std::snprintf(buf, sizeof buf, "%s calls (every agent on every tick); tickgate made %.3f%% of them",
                  n(ticks * agents).c_str(),
                  100.0 * static_cast<double>(direct + batches) / static_cast<double>(ticks * agents));
    line("naive strategy", buf);
  }
  uint64_t t5 = s.value("tickgate_timer_baseline_buckets_total", "interval=\"5m\"") * agents;
  uint64_t t15 = s.value("tickgate_timer_baseline_buckets_total", "interval=\"15m\"") * agents;
  if (t5 > 0) {
    std::snprintf(buf, sizeof buf, "%s calls at 5 min, %s at 15 min; tickgate made %.1f%% / %.1f%%",
                  n(t5).c_str(), n(t15).c_str(),
                  100.0 * static_cast<double>(direct + batches) / static_cast<double>(t5),
                  100.0 * static_cast<double>(direct + batches) / static_cast<double>(t15));
    line("fixed timer per agent", buf);
  }
  std::string per_agent;
  for (auto& a : env.cfg->agents)
    per_agent += a.name + "=" +
                 n(s.value("tickgate_agent_requests_total", "agent=\"" + a.name + "\"")) + " ";
  line("requests by agent", per_agent);
  line("decisions logged", n(s.total("tickgate_decisions_logged_total")));
  if (const auto* h = s.find_histogram("tickgate_decision_latency_seconds", ""); h && h->count()) {
    auto ms = [](double bound) {
      char b[32];
      if (std::isinf(bound)) return std::string("> 60 s");
      std::snprintf(b, sizeof b, "<= %g ms", bound * 1e3);
      return std::string(b);
    };
    line("decision latency", "p50 " + ms(h->quantile_bound(0.5)) + ", p99 " + ms(h->quantile_bound(0.99)) +
                                 ", p999 " + ms(h->quantile_bound(0.999)) +
                                 (env.until_eof ? " (off Kafka to the sink; a replay at full speed queues "
                                                  "behind its backlog)"
                                                : " (tick off Kafka to decisions at the sink)"));
  }
  return o.str();
}

}  // namespace tickgate
