#include "actors/gateway/router.hpp"

#include <algorithm>

namespace tickgate {

route_strategy parse_route_strategy(const std::string& s) {
  if (s == "minimize_cost") return route_strategy::minimize_cost;
  if (s == "maximize_quality") return route_strategy::maximize_quality;
  if (s == "speed") return route_strategy::speed;
  return route_strategy::balanced;
}

void route::observe_latency(int64_t us, double alpha) {
  const auto v = static_cast<double>(us);
  latency_ewma_us = latency_known ? alpha * v + (1 - alpha) * latency_ewma_us : v;
  latency_known = true;
}

void order_routes(route_strategy s, const std::vector<route>& routes,
                  const std::vector<picousd>& worst, std::vector<uint16_t>& c) {
  // Ties keep configuration order (stable), so the order is deterministic.
  auto cost = [&](uint16_t i) { return worst[i]; };
  switch (s) {
    case route_strategy::minimize_cost:
      std::stable_sort(c.begin(), c.end(), [&](uint16_t a, uint16_t b) { return cost(a) < cost(b); });
      break;
    case route_strategy::balanced:
      std::stable_sort(c.begin(), c.end(), [&](uint16_t a, uint16_t b) {
        // quality/cost compared without division: qa * cb > qb * ca.
        return routes[a].quality * static_cast<double>(std::max<picousd>(1, cost(b))) >
               routes[b].quality * static_cast<double>(std::max<picousd>(1, cost(a)));
      });
      break;
    case route_strategy::maximize_quality:
      std::stable_sort(c.begin(), c.end(), [&](uint16_t a, uint16_t b) {
        if (routes[a].quality != routes[b].quality) return routes[a].quality > routes[b].quality;
        return cost(a) < cost(b);
      });
      break;
    case route_strategy::speed:
      std::stable_sort(c.begin(), c.end(), [&](uint16_t a, uint16_t b) {
        const auto& ra = routes[a];
        const auto& rb = routes[b];
        if (ra.latency_known != rb.latency_known) return !ra.latency_known;  // explore first
        if (ra.latency_known && ra.latency_ewma_us != rb.latency_ewma_us)
          return ra.latency_ewma_us < rb.latency_ewma_us;
        return cost(a) < cost(b);
      });
      break;
  }
}

}  // namespace tickgate
