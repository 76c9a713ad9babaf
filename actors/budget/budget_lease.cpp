#include "actors/budget/budget_lease.hpp"

#include <algorithm>
#include <limits>

namespace tickgate {

// ---- lease_sequence ----

picousd lease_sequence::apply(const lease_record& r) {
  ++applied_;
  if (r.what == lease_record::op::claim) {
    for (auto it = claims_.begin(); it != claims_.end();)
      it = it->second.first < r.day - k_claim_days ? claims_.erase(it) : std::next(it);
    return claims_.emplace(r.key, std::make_pair(r.day, r.holder)).second ? 1 : 0;
  }
  for (size_t i = 0; i < r.scopes.size(); ++i) {
    auto& rep = reports_[{r.holder, r.scopes[i]}];
    rep.day = r.day;
    rep.month = r.month;
    rep.spent_day = i < r.spent_day.size() ? r.spent_day[i] : 0;
    rep.spent_month = i < r.spent_month.size() ? r.spent_month[i] : 0;
  }
  if (r.what == lease_record::op::release) {
    for (auto& s : r.scopes) {
      auto& d = day_[{s, r.day}];
      auto& m = month_[{s, r.month}];
      d = std::max<picousd>(0, d - r.amount);
      m = std::max<picousd>(0, m - r.amount);
    }
    return r.amount;
  }
  picousd avail = r.amount;
  for (size_t i = 0; i < r.scopes.size(); ++i) {
    const picousd ld = i < r.limit_day.size() ? r.limit_day[i] : -1;
    const picousd lm = i < r.limit_month.size() ? r.limit_month[i] : -1;
    if (ld >= 0) avail = std::min(avail, ld - granted_day(r.scopes[i], r.day));
    if (lm >= 0) avail = std::min(avail, lm - granted_month(r.scopes[i], r.month));
  }
  if (avail <= 0 || avail < r.min) return 0;
  for (auto& s : r.scopes) {
    day_[{s, r.day}] += avail;
    month_[{s, r.month}] += avail;
  }
  return avail;
}

std::string lease_sequence::claimed_by(const std::string& key) const {
  auto it = claims_.find(key);
  return it == claims_.end() ? std::string() : it->second.second;
}

picousd lease_sequence::granted_day(const std::string& scope, int64_t day) const {
  auto it = day_.find({scope, day});
  return it == day_.end() ? 0 : it->second;
}

picousd lease_sequence::granted_month(const std::string& scope, int64_t month) const {
  auto it = month_.find({scope, month});
  return it == month_.end() ? 0 : it->second;
}

picousd lease_sequence::spent_day(const std::string& scope, int64_t day) const {
  picousd sum = 0;
  for (auto& [key, rep] : reports_)
    if (key.second == scope && rep.day == day) sum += rep.spent_day;
  return sum;
}

picousd lease_sequence::spent_month(const std::string& scope, int64_t month) const {
  picousd sum = 0;
  for (auto& [key, rep] : reports_)
    if (key.second == scope && rep.month == month) sum += rep.spent_month;
  return sum;
}

// ---- lease_book ----

lease_book::lease_book(std::string holder, std::vector<std::string> scope_names,
                       std::vector<budget_limits> limits, double lease_pct, int64_t wait_ms,
                       int64_t timeout_ms)
    : holder_(std::move(holder)), names_(std::move(scope_names)), limits_(std::move(limits)),
      lease_pct_(lease_pct), wait_ms_(wait_ms), timeout_ms_(timeout_ms),
      scopes_(names_.size()) {}

picousd lease_book::unused(int scope, int64_t day) const {
  const auto& by_day = scopes_[static_cast<size_t>(scope)].by_day;
  auto it = by_day.find(day);
  if (it == by_day.end()) return 0;
  return std::max<picousd>(0, it->second.granted - it->second.reserved - it->second.spent);
}

picousd lease_book::granted(int scope, int64_t day) const {
  const auto& by_day = scopes_[static_cast<size_t>(scope)].by_day;
  auto it = by_day.find(day);
  return it == by_day.end() ? 0 : it->second.granted;
}

picousd lease_book::spent_day(int scope, int64_t day) const {
  const auto& by_day = scopes_[static_cast<size_t>(scope)].by_day;
  auto it = by_day.find(day);
  return it == by_day.end() ? 0 : it->second.spent;
}

picousd lease_book::spent_month(int scope, int64_t month) const {
  const auto& m = scopes_[static_cast<size_t>(scope)].spent_by_month;
  auto it = m.find(month);
  return it == m.end() ? 0 : it->second;
}

picousd lease_book::chunk(int scope, picousd worst) const {
  const auto& l = limits_[static_cast<size_t>(scope)];
  picousd c = std::numeric_limits<picousd>::max();
  if (l.daily >= 0) c = std::min(c, static_cast<picousd>(static_cast<double>(l.daily) * lease_pct_ / 100));
  if (l.monthly >= 0)
    c = std::min(c, static_cast<picousd>(static_cast<double>(l.monthly) * lease_pct_ / 100));
  return c == std::numeric_limits<picousd>::max() ? worst : std::max(worst, c);
}

lease_record lease_book::make(lease_record::op what, const std::vector<int>& scopes, int64_t day,
                              int64_t month, picousd amount, picousd min) {
  lease_record r;
  r.what = what;
  r.holder = holder_;
  r.n = ++n_;
  r.day = day;
  r.month = month;
  r.amount = amount;
  r.min = min;
  for (int s : scopes) {
    const auto& l = limits_[static_cast<size_t>(s)];
    r.scopes.push_back(names_[static_cast<size_t>(s)]);
    r.limit_day.push_back(l.daily);
    r.limit_month.push_back(l.monthly);
    r.spent_day.push_back(spent_day(s, day));
    r.spent_month.push_back(spent_month(s, month));
  }
  return r;
}

void lease_book::release_unused(int scope, int64_t day) {
  auto& by_day = scopes_[static_cast<size_t>(scope)].by_day;
  auto it = by_day.find(day);
  if (it == by_day.end()) return;
  const picousd u = unused(scope, day);
  if (u <= 0) return;
  it->second.granted -= u;
  outbox_.push_back(make(lease_record::op::release, {scope}, day, it->second.month, u, 0));
}

void lease_book::retire_old_days(int scope, int64_t today) {
  auto& by_day = scopes_[static_cast<size_t>(scope)].by_day;
  for (auto it = by_day.begin(); it != by_day.end() && it->first < today;) {
    release_unused(scope, it->first);
    if (it->second.reserved == 0) it = by_day.erase(it);
    else ++it;
  }
}

lease_book::verdict lease_book::try_reserve(const std::vector<int>& scopes, int64_t day,
                                            int64_t month, picousd worst) {
  std::vector<int> short_of;
  for (int s : scopes) {
    retire_old_days(s, day);
    if (unused(s, day) < worst) short_of.push_back(s);
  }
  if (short_of.empty()) {
    for (int s : scopes) {
      auto& l = scopes_[static_cast<size_t>(s)].by_day[day];
      l.month = month;
      l.reserved += worst;
    }
    return verdict::granted;
  }
  bool waiting = false;
  for (int s : short_of) {
    auto& st = scopes_[static_cast<size_t>(s)];
    if (st.day != day) st.state = ask::none;  // a new day: earlier denials are about another
    if (st.state == ask::exhausted) return verdict::exhausted;
    waiting = waiting || st.state != ask::none;
  }
  if (waiting) return verdict::must_wait;
  picousd want = worst;
  for (int s : short_of) want = std::max(want, chunk(s, worst));
  outbox_.push_back(make(lease_record::op::acquire, short_of, day, month, want, worst));
  for (int s : short_of) {
    auto& st = scopes_[static_cast<size_t>(s)];
    st.state = ask::asking;
    st.since = wall_;
    st.day = day;
  }
  return verdict::must_wait;
}

void lease_book::settle(const std::vector<int>& scopes, int64_t day, picousd reserved,
                        picousd actual) {
  for (int s : scopes) {
    auto& st = scopes_[static_cast<size_t>(s)];
    auto it = st.by_day.find(day);
    if (it == st.by_day.end()) continue;
    auto& l = it->second;
    l.reserved = std::max<picousd>(0, l.reserved - reserved);
    l.spent += actual;
    st.spent_by_month[l.month] += actual;
  }
}

bool lease_book::on_applied(const lease_record& r, picousd grant, int64_t wall_ms) {
  wall_ = wall_ms;
  if (r.what == lease_record::op::claim) return false;  // no lease moves
  bool changed = false;
  if (r.holder == holder_) {
    if (r.what != lease_record::op::acquire) return false;
    for (auto& name : r.scopes) {
      const int s = scope_index(name);
      if (s < 0) continue;
      auto& st = scopes_[static_cast<size_t>(s)];
      if (grant > 0) {
        auto& l = st.by_day[r.day];
        l.month = r.month;
        l.granted += grant;
        st.state = ask::none;
      } else {
        st.state = ask::denied;  // others hand back what they do not use; wait for that
      }
      st.since = wall_ms;
      st.day = r.day;
    }
    return true;
  }
  for (auto& name : r.scopes) {
    const int s = scope_index(name);
    if (s < 0) continue;
    auto& st = scopes_[static_cast<size_t>(s)];
    if (r.what == lease_record::op::acquire && grant < r.amount) {
      // Another instance is short: what this one holds and does not use goes back.
      release_unused(s, r.day);
    } else if (r.what == lease_record::op::release && r.amount > 0 && st.day == r.day &&
               (st.state == ask::denied || st.state == ask::exhausted)) {
      st.state = ask::none;  // room came back: the next reservation asks again
      changed = true;
    }
  }
  return changed;
}

int lease_book::scope_index(const std::string& name) const {
  auto it = std::find(names_.begin(), names_.end(), name);
  return it == names_.end() ? -1 : static_cast<int>(it - names_.begin());
}

bool lease_book::expire(int64_t wall_ms) {
  wall_ = wall_ms;
  bool changed = false;
  for (auto& st : scopes_) {
    if ((st.state == ask::asking && wall_ms - st.since >= timeout_ms_) ||
        (st.state == ask::denied && wall_ms - st.since >= wait_ms_)) {
      st.state = ask::exhausted;
      st.since = wall_ms;
      changed = true;
    }
  }
  return changed;
}

void lease_book::release_all() {
  for (size_t s = 0; s < scopes_.size(); ++s) {
    std::vector<int64_t> days;
    for (auto& [day, l] : scopes_[s].by_day) days.push_back(day);
    for (auto d : days) release_unused(static_cast<int>(s), d);
  }
}

uint64_t lease_book::claim(const std::string& key, int64_t day, int64_t month) {
  auto r = make(lease_record::op::claim, {}, day, month, 0, 0);
  r.key = key;
  outbox_.push_back(r);
  return r.n;
}

std::vector<lease_record> lease_book::take_outbox() {
  std::vector<lease_record> out;
  out.swap(outbox_);
  return out;
}

}  // namespace tickgate
