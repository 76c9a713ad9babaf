// Checkpoints of the change stage's per-symbol baselines (the changelog's second section).
#include "actors/change/change_policy.hpp"
#include "common/state_codec.hpp"

namespace tickgate {
namespace {

constexpr uint8_t k_version = 1;

// Every field of the snapshot, in declaration order.
template <class Fn>
void each_field(snapshot& s, Fn&& fn) {
  for (double* f : {&s.price, &s.ret_pct, &s.move_pct, &s.volatility_pct, &s.volatility_rank,
                    &s.volume_ratio, &s.rsi, &s.macd, &s.iv, &s.days_to_expiry, &s.support,
                    &s.resistance, &s.spread_bps, &s.atr_pct, &s.adx, &s.di_spread, &s.bb_position})
    fn(*f);
}

}  // namespace

std::string change_policy::save(const std::string& symbol) const {
  auto it = baselines_.find(symbol);
  if (it == baselines_.end()) return {};
  const auto& has = has_baseline_.at(symbol);
  state_writer w;
  w.u8(k_version);
  w.i64(static_cast<int64_t>(it->second.size()));
  for (size_t a = 0; a < it->second.size(); ++a) {
    auto b = it->second[a];
    w.boolean(a < has.size() && has[a]);
    w.i64(b.ts);
    each_field(b.snap, [&](double& f) { w.f64(f); });
  }
  return std::move(w.bytes());
}

void change_policy::load(const std::string& symbol, std::string_view bytes) {
  forget(symbol);
  if (bytes.empty()) return;
  state_reader r(bytes);
  if (r.u8() != k_version) throw state_decode_error("state: unknown change version");
  const size_t n = r.count(9);
  std::vector<baseline> bases(n);
  std::vector<bool> has(n, false);
  for (size_t a = 0; a < n; ++a) {
    has[a] = r.boolean();
    bases[a].ts = r.i64();
    each_field(bases[a].snap, [&](double& f) { f = r.f64(); });
  }
  if (!r.done()) throw state_decode_error("state: trailing bytes in change state");
  // Agents are fixed while running and in the same order: a record with another count is from
  // another configuration, and its baselines would be misattributed.
  if (n != agents_.size()) throw state_decode_error("state: change state for another agent set");
  baselines_[symbol] = std::move(bases);
  has_baseline_[symbol] = std::move(has);
}

void change_policy::forget(const std::string& symbol) {
  baselines_.erase(symbol);
  has_baseline_.erase(symbol);
}

}  // namespace tickgate
