#pragma once
// A verdict's reason: text, or for the skips decided on nearly every tick, a form and its
// numbers. Nothing is formatted where the decision is made; the text is written here when
// someone reads it, and the decision log stores the parts as codes without the text between
// (reason_parts_writer). One list of parts serves both.
#include <string>
#include <string_view>

#include "common/number_text.hpp"
#include "messages/market_event.hpp"
#include "messages/reason_words.hpp"

namespace tickgate {

enum class reason_form : uint8_t {
  text = 0,          // agent_verdict::reason
  not_subscribed,    // "not_subscribed"
  interval,          // "interval elapsed_ms=A interval_ms=B sig=S chg=C"
  no_change,         // "no_change elapsed_ms=A interval_ms=B sig=S chg=C"
  min_interval,      // "min_interval elapsed_ms=A min_ms=B"
  critical_spacing,  // "critical_spacing elapsed_ms=A spacing_ms=B"
};

/// Sets a formed reason (its text cleared).
inline void set_reason(agent_verdict& v, reason_form form, int64_t a = 0, int64_t b = 0) {
  v.reason_form = static_cast<uint8_t>(form);
  v.reason_a = a;
  v.reason_b = b;
  v.reason.clear();
}
/// Sets a text reason.
template <class Text>
void set_reason_text(agent_verdict& v, Text&& text) {
  v.reason_form = static_cast<uint8_t>(reason_form::text);
  v.reason = std::forward<Text>(text);
}

/// Hands a formed reason's parts to `out` in order: out.word(reason_word), out.integer(int64_t)
/// ("%lld"), out.fixed(double, decimals) ("%.Nf"). False for a text reason (no parts).
template <class Parts>
bool write_reason_parts(const agent_verdict& v, Parts& out) {
  using w = reason_word;
  auto sig_chg = [&] {
    out.word(w::sig_is);
    out.fixed(v.significance, 1);
    out.word(w::chg_is);
    out.fixed(v.change_pct, 2);
  };
  switch (static_cast<reason_form>(v.reason_form)) {
    case reason_form::text: return false;
    case reason_form::not_subscribed: out.word(w::not_subscribed); return true;
    case reason_form::interval:
    case reason_form::no_change:
      out.word(v.reason_form == static_cast<uint8_t>(reason_form::interval) ? w::interval : w::no_change);
      out.word(w::elapsed_ms_is);
      out.integer(v.reason_a);
      out.word(w::interval_ms_is);
      out.integer(v.reason_b);
      sig_chg();
      return true;
    case reason_form::min_interval:
      out.word(w::min_interval);
      out.word(w::elapsed_ms_is);
      out.integer(v.reason_a);
      out.word(w::min_ms_is);
      out.integer(v.reason_b);
      return true;
    case reason_form::critical_spacing:
      out.word(w::critical_spacing);
      out.word(w::elapsed_ms_is);
      out.integer(v.reason_a);
      out.word(w::spacing_ms_is);
      out.integer(v.reason_b);
      return true;
  }
  return false;
}

/// Appends the reason's text to `out`.
inline void append_reason_text(const agent_verdict& v, std::string& out) {
  struct text_parts {
    std::string& out;
    void word(reason_word w) { out.append(word_text(w)); }
    void integer(int64_t n) { append_int(out, n); }
    void fixed(double x, int decimals) { append_fixed(out, x, decimals); }
  } parts{out};
  if (!write_reason_parts(v, parts)) out += v.reason;
}

inline std::string reason_text(const agent_verdict& v) {
  std::string out;
  append_reason_text(v, out);
  return out;
}

/// The reason's stable code: its text up to the first ' ' or ':' ("interval", "critical").
inline std::string_view reason_code(const agent_verdict& v) {
  switch (static_cast<reason_form>(v.reason_form)) {
    case reason_form::text: {
      const std::string_view r = v.reason;
      return r.substr(0, r.find_first_of(" :"));
    }
    case reason_form::not_subscribed: return word_text(reason_word::not_subscribed);
    case reason_form::interval: return word_text(reason_word::interval);
    case reason_form::no_change: return word_text(reason_word::no_change);
    case reason_form::min_interval: return word_text(reason_word::min_interval);
    case reason_form::critical_spacing: return word_text(reason_word::critical_spacing);
  }
  return {};
}

}  // namespace tickgate
