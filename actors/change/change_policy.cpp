#include "actors/change/change_policy.hpp"

#include <algorithm>
#include <cmath>

#include "common/number_text.hpp"
#include "messages/verdict_reason.hpp"

namespace tickgate {

change_score score_change(const change_config& c, const agent_config& a, const snapshot& now,
                          int64_t now_ts, const snapshot& base, int64_t base_ts) {
  change_score r;
  auto note = [&](const char* what) {
    if (!r.reason.empty()) r.reason += ' ';
    r.reason += what;
  };
  // "<what><signed number, `decimals` places><unit>", as printf's "%+.Nf" writes the number.
  auto note_signed = [&](const char* what, double v, int decimals, const char* unit) {
    note(what);
    append_fixed(r.reason, v, decimals, true);
    r.reason += unit;
  };
  double move = std::fabs(now.price - base.price);
  double price_pct = base.price > 0 ? move / base.price * 100 : 0;
  r.change_pct = price_pct * a.weight_price;
  if (price_pct > c.price_pct || (c.price_abs > 0 && move > c.price_abs)) {
    r.score += c.price_points * a.weight_price;
    note_signed("price", (now.price / base.price - 1) * 100, 2, "%");
  }
  if (present(now.rsi) && present(base.rsi)) {
    double d = std::fabs(now.rsi - base.rsi);
    if (base.rsi > 0) r.change_pct = std::max(r.change_pct, d / base.rsi * 100 * a.weight_rsi);
    if (d > c.rsi_delta) {
      r.score += c.rsi_points * a.weight_rsi;
      note_signed("rsi", now.rsi - base.rsi, 1, "");
    }
  }
  if (present(now.volatility_pct) && present(base.volatility_pct)) {
    double d = std::fabs(now.volatility_pct - base.volatility_pct);
    double rel = base.volatility_pct > 0 ? d / base.volatility_pct * 100 : (d > 0 ? 100.0 : 0.0);
    r.change_pct = std::max(r.change_pct, rel * a.weight_volatility);
    if (rel > c.volatility_rel_pct && d >= c.volatility_abs) {
      r.score += c.volatility_points * a.weight_volatility;
      note_signed("vol", (now.volatility_pct - base.volatility_pct) /
                             std::max(base.volatility_pct, 1e-12) * 100, 0, "%");
    }
  }
  if (present(now.macd) && present(base.macd) && (now.macd > 0) != (base.macd > 0) &&
      now.macd != 0 && base.macd != 0) {
    r.score += c.bias_flip_points;
    note(now.macd > 0 ? "bias_flip_up" : "bias_flip_down");
  }
  if (present(now.days_to_expiry) && present(base.days_to_expiry) &&
      std::fabs(now.days_to_expiry - base.days_to_expiry) > c.expiry_days) {
    r.score += c.expiry_points;
    note("expiry");
  }
  if (now_ts - base_ts > c.max_age_ms) {
    r.aged = true;
    note("time_decay");
  }
  return r;
}

void change_policy::assess(tick_work& w) {
  auto& bases = baselines_[w.t.symbol];
  auto& has = has_baseline_[w.t.symbol];
  if (bases.size() != agents_.size()) {
    bases.resize(agents_.size());
    has.resize(agents_.size(), false);
  }
  for (auto& v : w.verdicts) {
    if (v.act != static_cast<uint8_t>(action::pending) || v.agent >= agents_.size()) continue;
    auto& a = agents_[v.agent];
    if (!has[v.agent]) {
      v.changed = true;
      set_reason_text(v, "first_state");
      bases[v.agent] = {w.snap, w.t.ts};
      has[v.agent] = true;
      continue;
    }
    auto sc = score_change(c_, a, w.snap, w.t.ts, bases[v.agent].snap, bases[v.agent].ts);
    v.significance = sc.score;
    v.change_pct = sc.change_pct;
    bool strategy_change =
        (a.strategy.kind == sampling_kind::change_based && sc.change_pct >= a.strategy.change_pct) ||
        (a.strategy.kind == sampling_kind::threshold && sc.score / 100.0 >= a.strategy.score);
    v.changed = sc.score > c_.score_threshold || sc.aged || strategy_change;
    if (v.changed) {
      bases[v.agent] = {w.snap, w.t.ts};
      set_reason_text(v, sc.reason.empty() ? "change_pct" : sc.reason);
    }
  }
}

}  // namespace tickgate
