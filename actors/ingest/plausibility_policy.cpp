#include "actors/ingest/plausibility_policy.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tickgate {
namespace {

std::string fmt_num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.8g", v);
  return buf;
}

plausibility_policy::verdict reject(const char* code, const std::string& detail) {
  plausibility_policy::verdict v;
  v.ok = false;
  v.code = code;
  v.reason = std::string(code) + ": " + detail;
  return v;
}

}  // namespace

double median_of(std::vector<double>& v) {
  if (v.empty()) return std::nan("");
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  double hi = v[mid];
  if (v.size() % 2) return hi;
  double lo = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid));
  return (lo + hi) / 2;
}

plausibility_policy::plausibility_policy(plausibility_config cfg)
    : cfg_(std::move(cfg)), pattern_(cfg_.symbol_pattern, std::regex::ECMAScript) {}

bool plausibility_policy::symbol_ok(const std::string& s) {
  auto it = symbol_seen_.find(s);
  if (it != symbol_seen_.end()) return it->second;
  if (symbol_seen_.size() > 100'000) symbol_seen_.clear();  // a flood of junk symbols
  bool ok = std::regex_match(s, pattern_);
  symbol_seen_.emplace(s, ok);
  return ok;
}

plausibility_policy::verdict plausibility_policy::check_outside(const std::string& symbol, int64_t ts,
                                                                int64_t wall_now) {
  if (!symbol_ok(symbol))
    return reject("bad_symbol", "symbol does not match input.symbol_pattern " + cfg_.symbol_pattern);
  if (ts > wall_now + cfg_.max_future_ms)
    return reject("future_ts", "ts " + std::to_string(ts) + " is " +
                                   std::to_string((ts - wall_now) / 1000) +
                                   " s ahead of the wall clock (limit " +
                                   std::to_string(cfg_.max_future_ms / 1000) + " s)");
  return {};
}

plausibility_policy::verdict plausibility_policy::check(int32_t partition, const tick& t,
                                                        int64_t wall_now) {
  if (!symbol_ok(t.symbol))
    return reject("bad_symbol", "symbol does not match input.symbol_pattern " + cfg_.symbol_pattern);
  if (t.ts > wall_now + cfg_.max_future_ms)
    return reject("future_ts", "ts " + std::to_string(t.ts) + " is " +
                                   std::to_string((t.ts - wall_now) / 1000) +
                                   " s ahead of the wall clock (limit " +
                                   std::to_string(cfg_.max_future_ms / 1000) + " s)");
  auto h = hwm_.find(partition);
  if (h != hwm_.end() && t.ts < h->second - cfg_.max_late_ms)
    return reject("late_ts", "ts " + std::to_string(t.ts) + " is " +
                                 std::to_string((h->second - t.ts) / 1000) +
                                 " s behind the partition's event time (limit " +
                                 std::to_string(cfg_.max_late_ms / 1000) + " s)");
  sweep(t.ts);
  auto& c = centres_[t.symbol];
  c.last_ts = std::max(c.last_ts, t.ts);
  auto v = judge_price(c, t.price);
  if (!v.ok) return v;
  if (h == hwm_.end())
    hwm_.emplace(partition, t.ts);
  else
    h->second = std::max(h->second, t.ts);
  return v;
}

void plausibility_policy::sweep(int64_t ts) {
  if (idle_ms_ <= 0 || !sweep_clock_.advance(ts)) return;
  std::erase_if(centres_, [&](const auto& kv) { return kv.second.last_ts < ts - idle_ms_; });
}

plausibility_policy::verdict plausibility_policy::judge_price(centre& c, double price) {
  if (static_cast<int32_t>(c.ring.size()) < cfg_.outlier_min_samples) {
    remember(c, price);
    return {};
  }
  // The common case without a median: the median lies between the window's lowest and highest
  // print, and a price's distance in % of it is largest at one of those two (it falls, then
  // rises, as the reference goes up). Within min_pct of both (less a margin far above the
  // rounding of the divisions), it is within min_pct of the median: accepted, as below.
  const auto [lo, hi] = std::minmax_element(c.ring.begin(), c.ring.end());
  const double within = cfg_.outlier_min_pct * (1 - 1e-9);
  if (*lo > 0 && std::fabs(price - *lo) / *lo * 100 <= within &&
      std::fabs(price - *hi) / *hi * 100 <= within) {
    c.suspects.clear();
    remember(c, price);
    return {};
  }
  scratch_.assign(c.ring.begin(), c.ring.end());
  const double med = median_of(scratch_);
  const double dev = std::fabs(price - med);
  const double pct = dev / med * 100;
  if (pct <= cfg_.outlier_min_pct) {  // the common case: no MAD needed
    c.suspects.clear();
    remember(c, price);
    return {};
  }
  for (auto& x : scratch_) x = std::fabs(x - med);
  const double scale = std::max(1.4826 * median_of(scratch_), med * 1e-4);
  if (dev <= cfg_.outlier_mads * scale) {
    c.suspects.clear();
    remember(c, price);
    return {};
  }
  // An outlier. Consistent with the suspects before it (same side, close to their median)?
  if (!c.suspects.empty()) {
    scratch_.assign(c.suspects.begin(), c.suspects.end());
    const double sm = median_of(scratch_);
    const bool same_side = (sm > med) == (price > med);
    if (!same_side || std::fabs(price - sm) / sm * 100 > cfg_.outlier_min_pct / 2)
      c.suspects.clear();
  }
  c.suspects.push_back(price);
  if (static_cast<int32_t>(c.suspects.size()) >= cfg_.outlier_confirm) {
    // A genuine level shift: the confirmed prints are the new centre.
    c.ring = c.suspects;
    c.head = 0;
    c.suspects.clear();
    verdict v;
    v.level_shift = true;
    v.reason = "level_shift: price " + fmt_num(price) + " confirmed " + fmt_num(pct) +
               "% from the previous median " + fmt_num(med);
    return v;
  }
  return reject("outlier", "price " + fmt_num(price) + " is " + fmt_num(pct) + "% and " +
                               fmt_num(dev / scale) + " MADs from the median " + fmt_num(med) +
                               " of the last " + std::to_string(c.ring.size()) +
                               " prints (quarantined; " + std::to_string(cfg_.outlier_confirm) +
                               " consistent prints confirm a level shift)");
}

void plausibility_policy::remember(centre& c, double price) {
  if (static_cast<int32_t>(c.ring.size()) < cfg_.outlier_window) {
    c.ring.push_back(price);
    return;
  }
  c.ring[c.head] = price;
  c.head = (c.head + 1) % c.ring.size();
}

}  // namespace tickgate
