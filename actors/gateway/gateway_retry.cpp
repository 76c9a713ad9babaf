// The gateway's retry and fallback: what an attempt's result does to its request (settle,
// retry on the same route after a backoff, fall back to the next route, or rules).
#include "actors/gateway/gateway_policy.hpp"

#include <algorithm>

namespace tickgate {

int64_t gateway_policy::backoff_ms(int32_t retry, int64_t retry_after_ms, const gateway_config& g,
                                   uint64_t random) {
  const int32_t shift = std::clamp(retry - 1, 0, 30);
  const int64_t full = std::min<int64_t>(g.backoff_max_ms, g.backoff_base_ms << shift);
  const int64_t half = full / 2;
  int64_t delay = half + static_cast<int64_t>(random % static_cast<uint64_t>(full - half + 1));
  if (retry_after_ms >= 0) delay = std::max(delay, std::min(retry_after_ms, g.retry_after_max_ms));
  return delay;
}

void gateway_policy::on_result(uint64_t id, const attempt_report& rep, int64_t now,
                               std::vector<gateway_step>& out) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;
  auto& p = it->second;
  const auto ri = static_cast<uint16_t>(p.route);
  auto& r = routes_[ri];
  --provider_in_flight_[r.provider_slot];
  --r.in_flight;
  --in_flight_total_;
  auto finish = [&](picousd actual) {
    budget_.settle(p.req.agent, p.reserved, actual, p.req.budget_now);
    note_level(p.req.budget_now);
    if (actual > 0) note_projection(p.req.budget_now);
    gateway_step s;
    s.kind = gateway_step::finished;
    s.id = id;
    out.push_back(s);
    pending_.erase(it);
  };
  switch (rep.end) {
    case attempt_end::replayed: return finish(0);
    case attempt_end::answered:
      note_breaker(ri, r.breaker.record(true, now, p.breaker_epoch), now);
      r.concurrency = std::min(r.concurrency_max, r.concurrency + 1.0 / r.concurrency);
      r.observe_latency(rep.latency_us, cfg_.gateway.latency_alpha);
      return finish(rep.actual);
    case attempt_end::paid_failure:
      note_breaker(ri, r.breaker.record(false, now, p.breaker_epoch), now);
      return finish(rep.actual);
    case attempt_end::retryable:
      note_breaker(ri, r.breaker.record(false, now, p.breaker_epoch), now);
      if (p.attempts_on_route <= route_max_retries_[ri] &&
          r.breaker.state(now) != breaker_state::open) {
        // Same route, same reservation, after a backoff.
        p.sticky = true;
        ++counters_.retries;
        waiting_.emplace_back(now + backoff_ms(p.attempts_on_route, rep.retry_after_ms,
                                               cfg_.gateway, rng_()),
                              id);
        return;
      }
      break;
    case attempt_end::rejected: note_breaker(ri, r.breaker.record(false, now, p.breaker_epoch), now); break;
    case attempt_end::rate_limited: {
      // Back-pressure: slow the route for everyone, keep this request (and its reservation)
      // on it. The breaker does not hear of it.
      ++counters_.rate_limited;
      ++p.rate_limited;
      --p.attempts_on_route;  // the retry's dispatch counts it again
      r.concurrency = std::max(1.0, r.concurrency / 2);
      r.last_rate_limited = now;
      const int64_t resume =
          now + backoff_ms(std::min(p.rate_limited, 30), rep.retry_after_ms, cfg_.gateway, rng_());
      r.paused_until = std::max(r.paused_until, resume);
      if (p.rate_limited <= cfg_.gateway.rate_limit_max_retries) {
        p.sticky = true;
        ++counters_.retries;
        waiting_.emplace_back(resume, id);
        return;
      }
      break;  // this route stays too busy for it: the next one
    }
  }
  // This route is done with the request: give the reservation back and fall back.
  release(p);
  p.failed_routes |= uint64_t{1} << ri;
  p.sticky = false;
  ++counters_.fallbacks;
  enqueue(id, p.req.prio, true);
}


}  // namespace tickgate
