#pragma once
// A verdict's reason: text, or for the skips decided on nearly every tick, a form and its
// numbers. Nothing is formatted where the decision is made; the text is written here when
// someone reads it, and the decision log stores the parts as codes without the text between
// (reason_parts_writer). One list of parts serves both.
#include <iterator>
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

/// The words of the forms that name an elapsed time and its bound: "<code> elapsed_ms=A
/// <bound>B", then " sig=S chg=C" for the interval forms. By reason_form.
struct formed_words {
  reason_word code;
  reason_word bound;
  bool sig_chg;
};
inline constexpr formed_words k_formed_words[] = {
    {reason_word::not_subscribed, reason_word::space, false},  // text: unused
    {reason_word::not_subscribed, reason_word::space, false},  // not_subscribed: the code alone
    {reason_word::interval, reason_word::interval_ms_is, true},
    {reason_word::no_change, reason_word::interval_ms_is, true},
    {reason_word::min_interval, reason_word::min_ms_is, false},
    {reason_word::critical_spacing, reason_word::spacing_ms_is, false},
};

/// True when the reason is a form and its numbers, not text.
inline bool formed(const agent_verdict& v) {
  return v.reason_form != static_cast<uint8_t>(reason_form::text) && v.reason_form < std::size(k_formed_words);
}

/// " sig=S chg=C": the verdict's significance and change as the reasons show them.
template <class Parts>
void write_sig_chg(const agent_verdict& v, Parts& out) {
  out.word(reason_word::sig_is);
  out.fixed(v.significance, 1);
  out.word(reason_word::chg_is);
  out.fixed(v.change_pct, 2);
}

/// Hands a formed reason's parts to `out` in order: out.word(reason_word), out.integer(int64_t)
/// ("%lld"), out.fixed(double, decimals) ("%.Nf"). False for a text reason (no parts).
template <class Parts>
bool write_reason_parts(const agent_verdict& v, Parts& out) {
  if (!formed(v)) return false;
  const auto& f = k_formed_words[v.reason_form];
  out.word(f.code);
  if (v.reason_form == static_cast<uint8_t>(reason_form::not_subscribed)) return true;
  out.word(reason_word::elapsed_ms_is);
  out.integer(v.reason_a);
  out.word(f.bound);
  out.integer(v.reason_b);
  if (f.sig_chg) write_sig_chg(v, out);
  return true;
}

/// Parts (write_reason_parts) written as text, appended to `out`.
struct reason_text_parts {
  std::string& out;
  void word(reason_word w) { out.append(word_text(w)); }
  void integer(int64_t n) { append_int(out, n); }
  void fixed(double x, int decimals) { append_fixed(out, x, decimals); }
};

/// Appends the reason's text to `out`.
inline void append_reason_text(const agent_verdict& v, std::string& out) {
  reason_text_parts parts{out};
  if (!write_reason_parts(v, parts)) out += v.reason;
}

inline std::string reason_text(const agent_verdict& v) {
  std::string out;
  append_reason_text(v, out);
  return out;
}

/// The reason's stable code: its text up to the first ' ' or ':' ("interval", "critical").
inline std::string_view reason_code(const agent_verdict& v) {
  if (formed(v)) return word_text(k_formed_words[v.reason_form].code);
  const std::string_view r = v.reason;
  return r.substr(0, r.find_first_of(" :"));
}

}  // namespace tickgate
