#include "actors/sampling/sampling_policy.hpp"

#include <algorithm>

#include "common/number_text.hpp"

namespace tickgate {

int64_t adaptive_interval_ms(const strategy_config& s, double volatility_pct) {
  if (!present(volatility_pct) || volatility_pct <= 0)
    return std::clamp(s.interval_ms, s.min_interval_ms, s.max_interval_ms);
  double raw = static_cast<double>(s.interval_ms) * s.reference_volatility_pct / volatility_pct;
  return std::clamp(static_cast<int64_t>(raw), s.min_interval_ms, s.max_interval_ms);
}

void sampling_policy::decide(tick_work& w) {
  auto& states = states_[w.t.symbol];
  if (states.size() != agents_.size()) states.resize(agents_.size());
  const int64_t now = w.t.ts;
  for (auto& v : w.verdicts) {
    if (v.agent >= agents_.size()) continue;
    auto& st = states[v.agent];
    // A held-back urgent event comes first, on any tick of the symbol once the spacing passed.
    if (st.pending_urgent && now - st.last_call >= critical_spacing_ &&
        (v.act == static_cast<uint8_t>(action::pending) || !v.subscribed) &&
        v.prio < static_cast<uint8_t>(priority::high)) {
      v.trigger = static_cast<uint8_t>(st.pending_urgent - 1);
      v.prio = st.pending_urgent_prio;
      v.subscribed = true;
      v.act = static_cast<uint8_t>(action::call);
      v.reason = std::string("deferred_urgent:") + to_string(static_cast<event_type>(v.trigger));
      st.last_call = now;
      st.pending_urgent = 0;
      st.pending_change = false;
      continue;
    }
    if (v.act != static_cast<uint8_t>(action::pending)) continue;
    // Asked for on ai.requests: answered (from the cache when fresh enough), outside the
    // agent's own schedule, which it leaves as it was.
    if (v.trigger == static_cast<uint8_t>(event_type::on_demand)) {
      v.act = static_cast<uint8_t>(action::call);
      v.reason = "on_demand";
      continue;
    }
    auto& strat = agents_[v.agent].strategy;
    const int64_t elapsed = now - st.last_call;
    // HIGH and CRITICAL events are answered now: no strategy, change or min interval holds
    // them back, only the spacing between two of them.
    const bool critical = v.prio >= static_cast<uint8_t>(priority::high);
    // The reason: a stable code, then the numbers behind it ("interval elapsed_ms=.. ...").
    auto start_reason = [&](const char* code) {
      v.reason.clear();
      v.reason.reserve(64);
      v.reason += code;
    };
    auto number = [&](const char* key, long long n) {
      v.reason += key;
      append_int(v.reason, n);
    };
    auto sig_chg = [&] {
      v.reason += " sig=";
      append_fixed(v.reason, v.significance, 1);
      v.reason += " chg=";
      append_fixed(v.reason, v.change_pct, 2);
    };
    auto skip = [&](const char* code) {
      v.act = static_cast<uint8_t>(action::skip);
      start_reason(code);
    };
    if (critical) {
      if (elapsed < critical_spacing_) {
        st.pending_change = st.pending_change || v.changed;
        if (v.prio >= st.pending_urgent_prio || !st.pending_urgent) {
          st.pending_urgent = static_cast<uint8_t>(v.trigger + 1);
          st.pending_urgent_prio = v.prio;
        }
        skip("critical_spacing");
        number(" elapsed_ms=", elapsed);
        number(" spacing_ms=", critical_spacing_);
        continue;
      }
      v.act = static_cast<uint8_t>(action::call);
      v.reason = std::string(v.prio == static_cast<uint8_t>(priority::critical) ? "critical:" : "urgent:") +
                 to_string(static_cast<event_type>(v.trigger));
    } else {
      bool due = false;
      const char* why = "";
      int64_t interval = 0;
      switch (strat.kind) {
        case sampling_kind::always: due = true; why = "always"; break;
        case sampling_kind::periodic:
          interval = strat.interval_ms;
          due = elapsed >= interval;
          why = "periodic";
          break;
        case sampling_kind::adaptive:
          interval = adaptive_interval_ms(strat, w.snap.volatility_pct);
          due = elapsed >= interval;
          why = "adaptive";
          break;
        case sampling_kind::change_based:
        case sampling_kind::threshold:
          why = strat.kind == sampling_kind::threshold ? "threshold" : "change_based";
          break;
      }
      if (!due && (v.changed || st.pending_change)) {
        due = true;
        why = v.changed ? "significant_change" : "deferred_change";
      }
      if (!due) {
        skip(strat.kind == sampling_kind::change_based || strat.kind == sampling_kind::threshold
                 ? "no_change"
                 : "interval");
        number(" elapsed_ms=", elapsed);
        number(" interval_ms=", interval);
        sig_chg();
        continue;
      }
      if (elapsed < min_interval_) {
        st.pending_change = st.pending_change || v.changed;
        skip("min_interval");
        number(" elapsed_ms=", elapsed);
        number(" min_ms=", min_interval_);
        continue;
      }
      bool low = v.prio == static_cast<uint8_t>(priority::low);
      v.act = static_cast<uint8_t>(low ? action::batch : action::call);
      start_reason(why);
      sig_chg();
    }
    st.last_call = now;
    st.pending_change = false;
    if (critical) st.pending_urgent = 0;
  }
}

}  // namespace tickgate
