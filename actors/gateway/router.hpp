#pragma once
// Routes (provider + model) and the order in which a request tries them, by strategy:
//  minimize_cost     cheapest worst case first;
//  balanced          highest quality per unit of worst-case cost first;
//  maximize_quality  highest quality first (cheaper first on ties);
//  speed             lowest observed latency EWMA first (untried routes first, then cheaper).
// Pure.
#include <cstdint>
#include <string>
#include <vector>

#include "actors/gateway/circuit_breaker.hpp"
#include "actors/gateway/token_bucket.hpp"
#include "config/config.hpp"

namespace tickgate {

enum class route_strategy : uint8_t { minimize_cost, balanced, maximize_quality, speed };
route_strategy parse_route_strategy(const std::string& s);  // validated by config

/// One provider + model and everything the gateway tracks about it.
struct route {
  std::string provider;
  std::string model;
  std::string kind;          // openai | anthropic
  uint16_t provider_slot = 0;  // index of the provider (shared in-flight cap)
  model_price price;
  double quality = 0.5;
  token_bucket requests;     // per minute
  token_bucket tokens;       // per minute
  circuit_breaker breaker;
  double latency_ewma_us = 0;
  bool latency_known = false;
  // Pacing by the provider's 429s (AIMD): concurrency halves on a 429 and grows by one per
  // `concurrency` answers, up to the provider's max_in_flight; the route pauses until the
  // Retry-After (or backoff) of its latest 429.
  int32_t in_flight = 0;
  double concurrency = 1;
  double concurrency_max = 1;
  int64_t paused_until = INT64_MIN;
  int64_t last_rate_limited = INT64_MIN;

  route(const gateway_config& g)
      : breaker(g.breaker_window, g.breaker_min_calls, g.breaker_failure_rate, g.breaker_open_ms) {}
  void observe_latency(int64_t us, double alpha);
};

/// Orders `candidates` (route indices) for a request whose worst case on route i is worst[i].
void order_routes(route_strategy s, const std::vector<route>& routes,
                  const std::vector<picousd>& worst, std::vector<uint16_t>& candidates);

}  // namespace tickgate
