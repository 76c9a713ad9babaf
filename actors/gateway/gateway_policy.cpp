// The gateway policy's admission and queue: submit, placement on a route under its buckets,
// in-flight caps and the budget, dispatch, and the wake-up times. Retry and fallback are in
// gateway_retry.cpp, the breaker and budget-level events in gateway_levels.cpp.
#include "actors/gateway/gateway_policy.hpp"

#include <algorithm>
#include <limits>

namespace tickgate {
namespace {

constexpr uint8_t k_high = static_cast<uint8_t>(priority::high);
constexpr uint8_t k_low = static_cast<uint8_t>(priority::low);

int64_t token_estimate(const gateway_request& r) { return (r.prompt_bytes + 3) / 4 + r.max_tokens; }

}  // namespace

gateway_policy::gateway_policy(const config& cfg, std::vector<route> routes,
                               budget_policy::spent_loader loader, uint64_t seed)
    : cfg_(cfg), routes_(std::move(routes)), budget_(cfg.budget, agent_names(cfg), std::move(loader)),
      strategy_(parse_route_strategy(cfg.gateway.strategy)), rng_(seed) {
  std::vector<std::string> slots;
  for (auto& r : routes_) {
    auto it = std::find(slots.begin(), slots.end(), r.provider);
    r.provider_slot = static_cast<uint16_t>(it - slots.begin());
    if (it == slots.end()) {
      slots.push_back(r.provider);
      provider_cap_.push_back(cfg.providers.at(r.provider).max_in_flight);
    }
    route_max_retries_.push_back(cfg.providers.at(r.provider).max_retries);
    r.concurrency = r.concurrency_max = std::max(1, cfg.providers.at(r.provider).max_in_flight);
  }
  provider_in_flight_.assign(slots.size(), 0);
  worst_.assign(routes_.size(), 0);
}

size_t gateway_policy::queued() const {
  size_t n = 0;
  for (auto& q : queues_) n += q.size();
  return n;
}

void gateway_policy::enqueue(uint64_t id, uint8_t prio, bool front) {
  auto& q = queues_[std::min<uint8_t>(prio, 3)];
  if (front) q.push_front(id);
  else q.push_back(id);
}

void gateway_policy::to_rules(uint64_t id, const char* why, std::vector<gateway_step>& out) {
  gateway_step s;
  s.kind = gateway_step::rules;
  s.id = id;
  s.why = why;
  out.push_back(s);
  pending_.erase(id);
}

void gateway_policy::release(pending_request& p) {
  if (p.reserved > 0) budget_.settle(p.req.agent, p.reserved, 0, p.req.budget_now);
  p.reserved = 0;
}

void gateway_policy::submit(const gateway_request& r, int64_t now, std::vector<gateway_step>& out) {
  ++counters_.submitted;
  pending_request p;
  p.req = r;
  p.enqueued_at = now;
  const auto id = r.id;
  pending_[id] = std::move(p);
  if (budget_.velocity_stopped(r.budget_now)) return to_rules(id, "velocity_stop", out);
  const auto level = budget_.level(r.agent, r.budget_now);
  note_level(r.budget_now);
  if (level == budget_level::hard) return to_rules(id, "budget_hard", out);
  if (level == budget_level::degrade && r.prio < k_high &&
      r.significance < cfg_.budget.degrade_threshold_factor * cfg_.change.score_threshold)
    return to_rules(id, "budget_degrade", out);
  if (r.routes.empty()) return to_rules(id, "no_route", out);

  // Under pressure LOW goes first: an arriving LOW request, else the oldest queued LOW one.
  const size_t depth = queued();
  if (shedding_ && depth >= static_cast<size_t>(cfg_.gateway.shed_queue_depth)) {
    if (r.prio == k_low) {
      ++counters_.shed;
      return to_rules(id, "shed", out);
    }
    if (!queues_[k_low].empty()) {
      auto victim = queues_[k_low].front();
      queues_[k_low].pop_front();
      ++counters_.shed;
      to_rules(victim, "shed", out);
    } else if (depth >= static_cast<size_t>(cfg_.gateway.max_queue)) {
      // Full of urgent work: the newest of the least urgent priority below this one, or this.
      for (uint8_t q = 1; q < r.prio; ++q)
        if (!queues_[q].empty()) {
          auto victim = queues_[q].back();
          queues_[q].pop_back();
          ++counters_.shed;
          to_rules(victim, "shed", out);
          enqueue(id, r.prio, false);
          return;
        }
      ++counters_.shed;
      return to_rules(id, "shed", out);
    }
  }
  enqueue(id, r.prio, false);
}

void gateway_policy::dispatch(pending_request& p, uint16_t ri, int64_t now,
                              std::vector<gateway_step>& out) {
  auto& r = routes_[ri];
  r.requests.take(1, now);
  r.tokens.take(static_cast<double>(token_estimate(p.req)), now);
  p.breaker_epoch = r.breaker.on_dispatch(now);
  ++r.in_flight;
  ++provider_in_flight_[r.provider_slot];
  ++in_flight_total_;
  if (p.route != ri || !p.sticky) p.attempts_on_route = 0;
  p.route = ri;
  p.sticky = false;
  ++p.attempts;
  ++p.attempts_on_route;
  ++counters_.attempts;
  gateway_step s;
  s.kind = gateway_step::dispatch;
  s.id = p.req.id;
  s.route = ri;
  s.attempt = p.attempts;
  s.reserved = p.reserved;
  out.push_back(s);
}

gateway_policy::placement gateway_policy::try_place(pending_request& p, int64_t now,
                                                    std::vector<gateway_step>& out) {
  const double tokens = static_cast<double>(token_estimate(p.req));
  auto available = [&](route& r) {
    if (r.concurrency < r.concurrency_max && r.last_rate_limited != INT64_MIN &&
        now - r.last_rate_limited >= cfg_.gateway.rate_limit_recover_ms)
      r.concurrency = r.concurrency_max;  // quiet long enough: the limit has passed
    return r.breaker.allows(now) && now >= r.paused_until &&
           r.in_flight < static_cast<int32_t>(r.concurrency) &&
           provider_in_flight_[r.provider_slot] < provider_cap_[r.provider_slot] &&
           r.requests.can_take(1, now) && r.tokens.can_take(tokens, now);
  };
  if (p.sticky) {
    auto& r = routes_[static_cast<size_t>(p.route)];
    if (r.breaker.state(now) != breaker_state::open) {
      if (!available(r)) return placement::blocked;
      dispatch(p, static_cast<uint16_t>(p.route), now, out);
      return placement::dispatched;
    }
    // The breaker opened while this retry waited: give the reservation back, try the next route.
    release(p);
    p.failed_routes |= uint64_t{1} << p.route;
    p.sticky = false;
    ++counters_.fallbacks;
  }
  candidates_.clear();
  for (auto ri : p.req.routes)
    if (!(p.failed_routes >> ri & 1)) candidates_.push_back(ri);
  if (candidates_.empty())
    return to_rules(p.req.id, p.failed_routes ? "routes_failed" : "no_route", out),
           placement::answered_by_rules;
  const auto level = budget_.level(p.req.agent, p.req.budget_now);
  for (auto ri : candidates_) {
    const auto& pr = routes_[ri].price;
    worst_[ri] = worst_case_cost(p.req.prompt_bytes, 2, p.req.max_tokens, pr.input, pr.cache_write,
                                 pr.output);
  }
  order_routes(level >= budget_level::degrade ? route_strategy::minimize_cost : strategy_, routes_,
               worst_, candidates_);
  bool any_closed = false, busy = false, wait_budget = false;
  for (auto ri : candidates_) {
    auto& r = routes_[ri];
    if (r.breaker.state(now) == breaker_state::open) continue;
    any_closed = true;
    if (!available(r)) {
      busy = true;
      continue;
    }
    switch (budget_.try_reserve(p.req.agent, worst_[ri], p.req.budget_now)) {
      case budget_policy::verdict::granted:
        p.reserved = worst_[ri];
        dispatch(p, ri, now, out);
        return placement::dispatched;
      case budget_policy::verdict::must_wait: wait_budget = true; break;
      case budget_policy::verdict::over_budget: break;  // a cheaper route may still fit
      case budget_policy::verdict::velocity_stop:
        return to_rules(p.req.id, "velocity_stop", out), placement::answered_by_rules;
    }
  }
  if (!any_closed) return to_rules(p.req.id, "no_route", out), placement::answered_by_rules;
  // Blocked until in-flight calls settle (budget) or a bucket/cap frees up (busy).
  if (wait_budget || busy) return placement::blocked;
  return to_rules(p.req.id, "over_budget", out), placement::answered_by_rules;
}

void gateway_policy::pump(int64_t now, int32_t free_callers, std::vector<gateway_step>& out) {
  // Retries whose backoff is over go back to the front of their priority.
  for (size_t i = 0; i < waiting_.size();) {
    if (waiting_[i].first <= now) {
      auto id = waiting_[i].second;
      waiting_[i] = waiting_.back();
      waiting_.pop_back();
      if (auto it = pending_.find(id); it != pending_.end()) enqueue(id, it->second.req.prio, true);
    } else {
      ++i;
    }
  }
  // LOW requests that waited too long are shed.
  auto& low = queues_[k_low];
  while (shedding_ && !low.empty()) {
    auto& p = pending_.at(low.front());
    if (p.sticky || p.enqueued_at + cfg_.gateway.low_max_wait_ms > now) break;
    auto id = low.front();
    low.pop_front();
    release(p);
    ++counters_.shed;
    to_rules(id, "shed", out);
  }
  for (int q = 3; q >= 0 && free_callers > 0; --q) {
    for (auto it = queues_[q].begin(); it != queues_[q].end() && free_callers > 0;) {
      auto& p = pending_.at(*it);
      switch (try_place(p, now, out)) {
        case placement::dispatched:
          --free_callers;
          it = queues_[q].erase(it);
          break;
        case placement::answered_by_rules: it = queues_[q].erase(it); break;
        case placement::blocked: ++it; break;
      }
    }
  }
}

int64_t gateway_policy::next_wake(int64_t now) {
  int64_t wake = std::numeric_limits<int64_t>::max();
  for (auto& [t, id] : waiting_) wake = std::min(wake, t);
  if (shedding_ && !queues_[k_low].empty())
    wake = std::min(wake, pending_.at(queues_[k_low].front()).enqueued_at + cfg_.gateway.low_max_wait_ms);
  // A blocked queue moves when a bucket has room for its most urgent request, or a breaker
  // half-opens.
  const pending_request* head = nullptr;
  for (int q = 3; q >= 0 && !head; --q)
    if (!queues_[q].empty()) head = &pending_.at(queues_[q].front());
  if (!head) return wake;
  const auto need = static_cast<double>(token_estimate(head->req));
  for (auto& r : routes_) {
    int64_t w = std::max(r.requests.wait_ms(1, now), r.tokens.wait_ms(need, now));
    if (w > 0) wake = std::min(wake, now + w);
    if (r.breaker.state(now) == breaker_state::open) wake = std::min(wake, r.breaker.half_opens_at());
    if (r.paused_until > now) wake = std::min(wake, r.paused_until);
  }
  return wake;
}

std::vector<route> make_routes(const config& cfg, const std::vector<std::string>& providers) {
  std::vector<route> out;
  for (auto& name : providers) {
    const auto& p = cfg.providers.at(name);
    if (p.kind == "rules") continue;
    for (auto& m : p.models) {
      route r(cfg.gateway);
      r.provider = name;
      r.model = m.name;
      r.kind = p.kind;
      r.price = cfg.prices.at(m.name);
      r.quality = m.quality;
      r.requests = token_bucket(m.requests_per_minute);
      r.tokens = token_bucket(static_cast<double>(m.tokens_per_minute));
      out.push_back(std::move(r));
    }
  }
  return out;
}

std::vector<uint16_t> agent_routes(const config& cfg, const std::vector<route>& routes,
                                   uint16_t agent) {
  const auto& pin = cfg.agents.at(agent).provider;
  std::vector<uint16_t> v;
  for (size_t i = 0; i < routes.size(); ++i)
    if (pin.empty() || routes[i].provider == pin) v.push_back(static_cast<uint16_t>(i));
  return v;
}

std::string preferred_model(const config& cfg, const std::vector<route>& routes, uint16_t agent) {
  auto c = agent_routes(cfg, routes, agent);
  if (c.empty()) return "rules";
  std::vector<picousd> worst(routes.size(), 0);
  const auto& a = cfg.agents.at(agent);
  for (auto i : c)
    worst[i] = worst_case_cost(2048, 2, a.max_tokens, routes[i].price.input,
                               routes[i].price.cache_write, routes[i].price.output);
  order_routes(parse_route_strategy(cfg.gateway.strategy), routes, worst, c);
  return routes[c.front()].model;
}

}  // namespace tickgate
