#include "actors/llm/outcome.hpp"

#include <chrono>

#include "actors/llm/cost_estimate.hpp"
#include "actors/llm/prompt.hpp"
#include "actors/llm/rules_analyst.hpp"

namespace tickgate {

int64_t now_wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t share_of(int64_t total, size_t parts, size_t index) {
  auto n = static_cast<int64_t>(parts);
  int64_t base = total / n, rem = total % n;
  return base + (static_cast<int64_t>(index) < rem ? 1 : 0);
}

request_outcome make_outcome(const config& cfg, const llm_request& req, const std::string& source,
                             const std::string& provider, const std::string& model,
                             const std::vector<std::string>& results, const token_usage& usage,
                             picousd cost) {
  request_outcome out;
  out.request_id = req.request_id;
  out.agent = cfg.agents.at(req.agent).name;
  out.source = source;
  out.cache_key = req.cache_key;
  out.provider = provider;
  out.model = model;
  out.event_ts = last_item_ts(req);
  out.wall_ms = now_wall_ms();
  out.input_tokens = usage.uncached_input;
  out.cached_tokens = usage.cache_read;
  out.cache_write_tokens = usage.cache_write;
  out.output_tokens = usage.output;
  out.cost = cost;
  const size_t n = req.items.size();
  for (size_t i = 0; i < n; ++i) {
    analysis a;
    a.request_id = req.request_id;
    a.part = static_cast<int32_t>(i);
    a.parts = static_cast<int32_t>(n);
    a.agent = out.agent;
    a.item = req.items[i];
    a.source = source;
    a.provider = provider;
    a.model = model;
    a.result_json = results.at(i);
    a.input_tokens = share_of(usage.total_input(), n, i);
    a.output_tokens = share_of(usage.output, n, i);
    a.cached_tokens = share_of(usage.cache_read, n, i);
    a.cost = share_of(cost, n, i);
    a.config_version = req.config_version;
    out.analyses.push_back(std::move(a));
  }
  return out;
}

request_outcome rules_outcome(const config& cfg, const llm_request& req, const std::string& why) {
  std::vector<std::string> results;
  for (auto& it : req.items)
    results.push_back(rules_analysis(cfg.agents.at(req.agent), it, cfg.events));
  auto out = make_outcome(cfg, req, "rules", "rules", "rules", results, token_usage{}, 0);
  out.error = why;
  return out;
}

request_outcome offline_outcome(const config& cfg, const llm_request& req,
                                const std::string& dry_run_model, shared_estimator* estimator) {
  auto out = rules_outcome(cfg, req, "offline");
  if (auto p = cfg.prices.find(dry_run_model); p != cfg.prices.end()) {
    const auto& agent = cfg.agents.at(req.agent);
    const auto bytes = static_cast<int64_t>(system_prompt(agent).size() + req.prompt.size());
    auto estimate = [&](const cost_estimator& e) {
      return e.estimate(dry_run_model, agent.name, bytes, agent.expected_output_tokens);
    };
    token_usage u = estimator ? estimator->with(estimate) : estimate(cost_estimator{});
    out.would_cost = price_usage(u, p->second);
    out.would_input_tokens = u.total_input();
    out.would_output_tokens = u.output;
  }
  return out;
}

}  // namespace tickgate
