#include "actors/sampling/sampling_policy.hpp"

#include <algorithm>

#include "messages/verdict_reason.hpp"

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
      set_reason_text(v, std::string("deferred_urgent:") + to_string(static_cast<event_type>(v.trigger)));
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
      set_reason_text(v, "on_demand");
      continue;
    }
    auto& strat = agents_[v.agent].strategy;
    const int64_t elapsed = now - st.last_call;
    // HIGH and CRITICAL events are answered now: no strategy, change or min interval holds
    // them back, only the spacing between two of them.
    const bool critical = v.prio >= static_cast<uint8_t>(priority::high);
    // The reason: a stable code, then the numbers behind it. A skip keeps its form and numbers
    // (rendered only when read: nearly every verdict is one); a call's is written out.
    auto skip = [&](reason_form form, int64_t a, int64_t b) {
      v.act = static_cast<uint8_t>(action::skip);
      set_reason(v, form, a, b);
    };
    if (critical) {
      if (elapsed < critical_spacing_) {
        st.pending_change = st.pending_change || v.changed;
        if (v.prio >= st.pending_urgent_prio || !st.pending_urgent) {
          st.pending_urgent = static_cast<uint8_t>(v.trigger + 1);
          st.pending_urgent_prio = v.prio;
        }
        skip(reason_form::critical_spacing, elapsed, critical_spacing_);
        continue;
      }
      v.act = static_cast<uint8_t>(action::call);
      set_reason_text(v, std::string(v.prio == static_cast<uint8_t>(priority::critical) ? "critical:" : "urgent:") +
                             to_string(static_cast<event_type>(v.trigger)));
    } else {
      bool due = false;
      reason_word why = reason_word::always;
      int64_t interval = 0;
      switch (strat.kind) {
        case sampling_kind::always: due = true; why = reason_word::always; break;
        case sampling_kind::periodic:
          interval = strat.interval_ms;
          due = elapsed >= interval;
          why = reason_word::periodic;
          break;
        case sampling_kind::adaptive:
          interval = adaptive_interval_ms(strat, w.snap.volatility_pct);
          due = elapsed >= interval;
          why = reason_word::adaptive;
          break;
        case sampling_kind::change_based:
        case sampling_kind::threshold:
          why = strat.kind == sampling_kind::threshold ? reason_word::threshold : reason_word::change_based;
          break;
      }
      if (!due && (v.changed || st.pending_change)) {
        due = true;
        why = v.changed ? reason_word::significant_change : reason_word::deferred_change;
      }
      if (!due) {
        skip(strat.kind == sampling_kind::change_based || strat.kind == sampling_kind::threshold
                 ? reason_form::no_change
                 : reason_form::interval,
             elapsed, interval);
        continue;
      }
      if (elapsed < min_interval_) {
        st.pending_change = st.pending_change || v.changed;
        skip(reason_form::min_interval, elapsed, min_interval_);
        continue;
      }
      bool low = v.prio == static_cast<uint8_t>(priority::low);
      v.act = static_cast<uint8_t>(low ? action::batch : action::call);
      // A call's reason is text (it goes into the request): "<why> sig=S chg=C".
      set_reason_text(v, "");
      reason_text_parts text{v.reason};
      text.word(why);
      write_sig_chg(v, text);
    }
    st.last_call = now;
    st.pending_change = false;
    if (critical) st.pending_urgent = 0;
  }
}

}  // namespace tickgate
