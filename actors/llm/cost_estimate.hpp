#pragma once
// What a call will be billed, estimated before it is made, calibrated on what providers billed.
// Per model: prompt tokens per prompt byte and the share of them read from (or written to) the
// provider's prompt cache; per agent: output tokens per call. Until a model or agent has
// min_calls billed calls the prior holds (prompt bytes / bytes_per_token + overhead; the agent's
// expected_output_tokens). Reservations do not use this: they stay worst case. Pure.
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "actors/llm/usage.hpp"

namespace tickgate {

/// Sums of billed calls, as kept in the ledger's calibration aggregates.
struct calibration_sums {
  int64_t calls = 0;
  int64_t prompt_bytes = 0;
  int64_t uncached = 0;
  int64_t cache_read = 0;
  int64_t cache_write = 0;
  int64_t output = 0;
  std::vector<int64_t> pack() const { return {calls, prompt_bytes, uncached, cache_read, cache_write, output}; }
  static calibration_sums unpack(const std::vector<int64_t>& v);
  void add(const calibration_sums& o);
};

class cost_estimator {
 public:
  static constexpr int64_t k_min_calls = 5;
  /// bytes_per_token: the prior (3.0 measured with o200k_base on tickgate's prompts).
  explicit cost_estimator(double bytes_per_token = 3.0, int64_t overhead_tokens = 8)
      : prior_bpt_(bytes_per_token), overhead_(overhead_tokens) {}

  /// One billed call of `agent` on `model` with `prompt_bytes` (system + user).
  void observe(const std::string& model, const std::string& agent, int64_t prompt_bytes,
               const token_usage& billed);
  /// Folds sums read back from the ledger (model: prompt side; agent: output side).
  void load_model(const std::string& model, const calibration_sums& s);
  void load_agent(const std::string& agent, const calibration_sums& s);

  /// The usage a call is expected to be billed.
  token_usage estimate(const std::string& model, const std::string& agent, int64_t prompt_bytes,
                       int64_t default_output) const;
  /// Prompt bytes per billed token of `model` (the prior until calibrated).
  double bytes_per_token(const std::string& model) const;
  bool calibrated(const std::string& model) const;
  std::map<std::string, calibration_sums> models() const { return models_; }
  std::map<std::string, calibration_sums> agents() const { return agents_; }

 private:
  double prior_bpt_;
  int64_t overhead_;
  std::map<std::string, calibration_sums> models_;
  std::map<std::string, calibration_sums> agents_;
};

/// A cost_estimator shared by the actors that price calls (gateway: dry runs) and the one that
/// learns from bills (sink); calls are rare, a mutex is enough.
class shared_estimator {
 public:
  explicit shared_estimator(cost_estimator e = cost_estimator{}) : e_(std::move(e)) {}
  template <class F>
  auto with(F&& f) {
    std::lock_guard guard{mutex_};
    return f(e_);
  }

 private:
  std::mutex mutex_;
  cost_estimator e_;
};

}  // namespace tickgate

namespace tickgate {

class stats_registry;
struct model_price;

/// A billed call: counts how far the estimate made before it (with what was learned from the
/// calls before) is from its bill (tickgate_estimate_*), then learns from the bill.
void check_and_learn(shared_estimator& est, stats_registry& stats, const model_price& price,
                     const std::string& model, const std::string& agent, int64_t prompt_bytes,
                     int64_t default_output, const token_usage& billed, picousd billed_cost);

}  // namespace tickgate
