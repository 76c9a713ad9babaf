#include "actors/llm/cost_estimate.hpp"

#include <cmath>

namespace tickgate {

calibration_sums calibration_sums::unpack(const std::vector<int64_t>& v) {
  calibration_sums s;
  auto at = [&](size_t i) { return i < v.size() ? v[i] : 0; };
  s.calls = at(0), s.prompt_bytes = at(1), s.uncached = at(2), s.cache_read = at(3);
  s.cache_write = at(4), s.output = at(5);
  return s;
}

void calibration_sums::add(const calibration_sums& o) {
  calls += o.calls, prompt_bytes += o.prompt_bytes, uncached += o.uncached;
  cache_read += o.cache_read, cache_write += o.cache_write, output += o.output;
}

void cost_estimator::observe(const std::string& model, const std::string& agent, int64_t prompt_bytes,
                             const token_usage& billed) {
  const calibration_sums s{1, prompt_bytes, billed.uncached_input, billed.cache_read, billed.cache_write,
                           billed.output};
  models_[model].add(s);
  agents_[agent].add(s);
}

void cost_estimator::load_model(const std::string& model, const calibration_sums& s) { models_[model].add(s); }
void cost_estimator::load_agent(const std::string& agent, const calibration_sums& s) { agents_[agent].add(s); }

bool cost_estimator::calibrated(const std::string& model) const {
  auto it = models_.find(model);
  return it != models_.end() && it->second.calls >= k_min_calls && it->second.prompt_bytes > 0;
}

double cost_estimator::bytes_per_token(const std::string& model) const {
  if (!calibrated(model)) return prior_bpt_;
  const auto& s = models_.at(model);
  const int64_t tokens = s.uncached + s.cache_read + s.cache_write;
  return tokens > 0 ? static_cast<double>(s.prompt_bytes) / static_cast<double>(tokens) : prior_bpt_;
}

token_usage cost_estimator::estimate(const std::string& model, const std::string& agent,
                                     int64_t prompt_bytes, int64_t default_output) const {
  token_usage u;
  u.present = true;
  int64_t input = 0;
  if (calibrated(model)) {
    const auto& s = models_.at(model);
    const double tokens = static_cast<double>(s.uncached + s.cache_read + s.cache_write);
    input = std::llround(static_cast<double>(prompt_bytes) * tokens / static_cast<double>(s.prompt_bytes));
    // Split as this model's bills split: the share its prompt cache served or took.
    if (tokens > 0) {
      u.cache_read = std::llround(static_cast<double>(input) * static_cast<double>(s.cache_read) / tokens);
      u.cache_write = std::llround(static_cast<double>(input) * static_cast<double>(s.cache_write) / tokens);
    }
  } else {
    input = std::llround(static_cast<double>(prompt_bytes) / prior_bpt_) + overhead_;
  }
  u.uncached_input = input - u.cache_read - u.cache_write;
  auto a = agents_.find(agent);
  u.output = a != agents_.end() && a->second.calls >= k_min_calls
                 ? std::llround(static_cast<double>(a->second.output) / static_cast<double>(a->second.calls))
                 : default_output;
  return u;
}

}  // namespace tickgate

#include "common/stats.hpp"

namespace tickgate {

void check_and_learn(shared_estimator& est, stats_registry& stats, const model_price& price,
                     const std::string& model, const std::string& agent, int64_t prompt_bytes,
                     int64_t default_output, const token_usage& billed, picousd billed_cost) {
  const auto expected = est.with([&](cost_estimator& e) {
    auto u = e.estimate(model, agent, prompt_bytes, default_output);
    e.observe(model, agent, prompt_bytes, billed);
    return u;
  });
  const picousd estimated = price_usage(expected, price);
  static const char* help = "Billed calls compared with their estimate made before the call";
  stats.add_counter("tickgate_estimate_checked_total", "", help).inc();
  stats.add_counter("tickgate_estimate_billed_picousd_total", "", help).inc(static_cast<uint64_t>(billed_cost));
  stats.add_counter("tickgate_estimate_estimated_picousd_total", "", help).inc(static_cast<uint64_t>(estimated));
  stats.add_counter("tickgate_estimate_abs_error_picousd_total", "", help)
      .inc(static_cast<uint64_t>(estimated > billed_cost ? estimated - billed_cost : billed_cost - estimated));
}

}  // namespace tickgate
