// The gateway's level events: breakers opening and closing, budget level changes, velocity
// stops and projected overruns, queued for the actor to alert on.
#include "actors/gateway/gateway_policy.hpp"

#include <algorithm>

namespace tickgate {

void gateway_policy::note_breaker(uint16_t ri, bool changed, int64_t now) {
  if (!changed) return;
  const bool open = routes_[ri].breaker.state(now) == breaker_state::open;
  events_.push_back({open ? gateway_event::breaker_opened : gateway_event::breaker_closed, ri,
                     budget_level::normal, now});
}

void gateway_policy::note_level(int64_t budget_now) {
  auto l = budget_.global_level(budget_now);
  if (l != last_level_) {
    last_level_ = l;
    events_.push_back({gateway_event::level_changed, 0, l, budget_now});
  }
  if (budget_.velocity_stops() != last_velocity_stops_) {
    last_velocity_stops_ = budget_.velocity_stops();
    events_.push_back({gateway_event::velocity_stop, 0, l, budget_now});
  }
}

void gateway_policy::note_projection(int64_t budget_now) {
  const auto p = budget_.projected(budget_now);
  const auto& g = budget_.global();
  const auto level = budget_.current_level();
  if (g.limits.daily >= 0 && p.day > g.limits.daily && g.day != overrun_day_) {
    overrun_day_ = g.day;
    events_.push_back({gateway_event::projected_overrun, 0, level, budget_now, false, p.day});
  }
  if (g.limits.monthly >= 0 && p.month > g.limits.monthly && g.month != overrun_month_) {
    overrun_month_ = g.month;
    events_.push_back({gateway_event::projected_overrun, 0, level, budget_now, true, p.month});
  }
}


std::vector<gateway_event> gateway_policy::take_events() {
  std::vector<gateway_event> e;
  e.swap(events_);
  return e;
}


}  // namespace tickgate
