#include "actors/budget/budget_policy.hpp"

#include <algorithm>

#include "common/civil_time.hpp"

namespace tickgate {

const char* to_string(budget_level l) {
  switch (l) {
    case budget_level::normal: return "normal";
    case budget_level::soft: return "soft";
    case budget_level::degrade: return "degrade";
    case budget_level::hard: return "hard";
  }
  return "?";
}

bool budget_scope::fits(picousd worst) const {
  if (limits.daily >= 0 && spent_day + reserved + worst > limits.daily) return false;
  if (limits.monthly >= 0 && spent_month + reserved + worst > limits.monthly) return false;
  return true;
}

bool budget_scope::fits_settled(picousd worst) const {
  if (limits.daily >= 0 && spent_day + worst > limits.daily) return false;
  if (limits.monthly >= 0 && spent_month + worst > limits.monthly) return false;
  return true;
}

double budget_scope::used_pct() const {
  auto pct = [](picousd spent, picousd limit) {
    if (limit < 0) return 0.0;
    if (limit == 0) return 100.0;
    return 100.0 * static_cast<double>(spent) / static_cast<double>(limit);
  };
  return std::max(pct(std::max(spent_day, cluster_day), limits.daily),
                  pct(std::max(spent_month, cluster_month), limits.monthly));
}

budget_projection budget_policy::projected(int64_t now) const {
  budget_projection p;
  auto project = [&](picousd spent, period_bounds b) -> picousd {
    const double elapsed = static_cast<double>(now - b.begin);
    const double length = static_cast<double>(b.end - b.begin);
    if (elapsed <= 0 || 100.0 * elapsed / length < cfg_.projection_min_elapsed_pct) return -1;
    return static_cast<picousd>(static_cast<double>(spent) * length / elapsed);
  };
  if (global_.day == day_of(now)) p.day = project(global_.spent_day, utc_day_bounds(now));
  if (global_.month == month_of(now)) p.month = project(global_.spent_month, utc_month_bounds(now));
  return p;
}

int64_t budget_policy::day_of(int64_t ms) { return days_from_epoch_ms(ms); }

int64_t budget_policy::month_of(int64_t ms) {
  auto c = civil_from_ms(ms);
  return c.year * 12 + (c.month - 1);
}

budget_policy::budget_policy(const budget_config& cfg, std::vector<std::string> agents,
                             spent_loader loader)
    : cfg_(cfg), agents_(std::move(agents)), loader_(std::move(loader)) {
  global_.limits = cfg.global;
  agent_scopes_.resize(agents_.size());
  for (size_t i = 0; i < agents_.size(); ++i) {
    auto it = cfg.agents.find(agents_[i]);
    agent_scopes_[i].limits = it == cfg.agents.end() ? budget_limits{-1, -1} : it->second;
  }
}

budget_scope* budget_policy::own_scope(uint16_t agent) {
  if (agent >= agent_scopes_.size()) return nullptr;
  auto& s = agent_scopes_[agent];
  return s.limits.daily < 0 && s.limits.monthly < 0 ? nullptr : &s;
}

void budget_policy::roll(budget_scope& s, const std::string& agent, int64_t now) {
  // A new period starts from what the ledger already holds for it (0 without a loader).
  auto load = [&](const std::string& period) { return loader_ ? loader_(period, agent) : picousd{0}; };
  if (const int64_t d = day_of(now); d > s.day) {
    s.day = d;
    s.cluster_day = 0;
    s.spent_day = load("day/" + utc_day(now));
  }
  if (const int64_t m = month_of(now); m > s.month) {
    s.month = m;
    s.cluster_month = 0;
    s.spent_month = load("month/" + utc_month(now));
  }
}

budget_policy::verdict budget_policy::try_reserve(uint16_t agent, picousd worst_case,
                                                  int64_t now) {
  if (velocity_stopped(now)) return verdict::velocity_stop;
  roll(global_, "", now);
  budget_scope* own = own_scope(agent);
  if (own) roll(*own, agents_[agent], now);
  if (!global_.fits_settled(worst_case) || (own && !own->fits_settled(worst_case)))
    return verdict::over_budget;
  if (!global_.fits(worst_case) || (own && !own->fits(worst_case))) return verdict::must_wait;
  if (leases_) {
    if (auto scopes = lease_scopes(agent); !scopes.empty()) {
      switch (leases_->try_reserve(scopes, day_of(now), month_of(now), worst_case)) {
        case lease_book::verdict::granted: break;
        case lease_book::verdict::must_wait: return verdict::must_wait;
        case lease_book::verdict::exhausted: return verdict::over_budget;
      }
    }
  }
  global_.reserved += worst_case;
  if (own) own->reserved += worst_case;
  return verdict::granted;
}

void budget_policy::settle(uint16_t agent, picousd reserved, picousd actual, int64_t now) {
  auto book = [&](budget_scope& s) {
    s.reserved = std::max<picousd>(0, s.reserved - reserved);
    s.spent_day += actual;
    s.spent_month += actual;
  };
  book(global_);
  if (auto* own = own_scope(agent)) book(*own);
  if (leases_) {
    if (auto scopes = lease_scopes(agent); !scopes.empty())
      leases_->settle(scopes, day_of(now), reserved, actual);
  }
  if (actual > 0) note_velocity(actual, now);
}

std::vector<int> budget_policy::lease_scopes(uint16_t agent) {
  std::vector<int> out;
  if (global_.limits.daily >= 0 || global_.limits.monthly >= 0) out.push_back(0);
  if (own_scope(agent)) out.push_back(1 + agent);
  return out;
}

std::vector<std::string> budget_policy::lease_scope_names() const {
  std::vector<std::string> out{""};
  out.insert(out.end(), agents_.begin(), agents_.end());
  return out;
}

std::vector<budget_limits> budget_policy::lease_scope_limits() const {
  std::vector<budget_limits> out{global_.limits};
  for (auto& s : agent_scopes_) out.push_back(s.limits);
  return out;
}

void budget_policy::set_cluster_spent(int scope, int64_t day, int64_t month, picousd spent_day,
                                      picousd spent_month) {
  auto* s = scope == 0 ? &global_
                       : static_cast<size_t>(scope - 1) < agent_scopes_.size()
                             ? &agent_scopes_[static_cast<size_t>(scope - 1)]
                             : nullptr;
  if (!s) return;
  if (s->day == day) s->cluster_day = spent_day;
  if (s->month == month) s->cluster_month = spent_month;
}

void budget_policy::note_velocity(picousd actual, int64_t now) {
  const int64_t w = now / cfg_.velocity_window_ms;
  if (windows_.empty() || windows_.back().first < w) windows_.emplace_back(w, 0);
  auto& cur = windows_.back();  // a late settle (older `now`) books into the newest window
  cur.second += actual;
  const int64_t first = cur.first - cfg_.velocity_baseline_windows;
  while (!windows_.empty() && windows_.front().first < first) windows_.pop_front();
  picousd before = 0;
  for (auto& [idx, spend] : windows_)
    if (idx < cur.first) before += spend;
  const double average = static_cast<double>(before) / cfg_.velocity_baseline_windows;
  const double limit = std::max(static_cast<double>(cfg_.velocity_min), cfg_.velocity_factor * average);
  if (static_cast<double>(cur.second) > limit && !velocity_stopped(now)) {
    halted_until_ = now + cfg_.velocity_pause_ms;
    ++velocity_stops_;
  }
}

budget_level budget_policy::level_of(const budget_scope& s) const {
  const double pct = s.used_pct();
  if (pct >= 100) return budget_level::hard;
  if (pct >= cfg_.degrade_pct) return budget_level::degrade;
  if (pct >= cfg_.soft_pct) return budget_level::soft;
  return budget_level::normal;
}

budget_level budget_policy::global_level(int64_t now) {
  roll(global_, "", now);
  return level_of(global_);
}

budget_level budget_policy::level(uint16_t agent, int64_t now) {
  auto l = global_level(now);
  if (auto* own = own_scope(agent)) {
    roll(*own, agents_[agent], now);
    l = std::max(l, level_of(*own));
  }
  return l;
}

picousd budget_policy::remaining() const {
  picousd r = -1;
  auto consider = [&](picousd limit, picousd spent) {
    if (limit < 0) return;
    picousd left = std::max<picousd>(0, limit - spent - global_.reserved);
    r = r < 0 ? left : std::min(r, left);
  };
  consider(global_.limits.daily, global_.spent_day);
  consider(global_.limits.monthly, global_.spent_month);
  return r;
}

picousd worst_case_cost(int64_t prompt_bytes, int64_t messages, int64_t max_tokens,
                        picousd input_price, picousd cache_write_price, picousd output_price) {
  int64_t prompt_tokens = prompt_bytes + 8 * messages + 8;
  return prompt_tokens * std::max(input_price, cache_write_price) + max_tokens * output_price;
}

}  // namespace tickgate
