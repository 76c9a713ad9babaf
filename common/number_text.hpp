#pragma once
// Numbers appended to text exactly as printf writes them, without printf: the decision stages
// write a reason for every agent on every tick, and snprintf's locale and format parsing cost
// more than the decision itself. Byte for byte what "%lld", "%.Nf" and "%+.Nf" give (the
// tests compare with snprintf), so decision logs read the same as before.
#include <charconv>
#include <cmath>
#include <string>

namespace tickgate {

/// printf("%lld", v).
inline void append_int(std::string& out, long long v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

/// printf("%.<decimals>f", v), or "%+.<decimals>f" with `plus`. `decimals` is 0..17.
inline void append_fixed(std::string& out, double v, int decimals, bool plus = false) {
  if (plus && !std::signbit(v)) out += '+';
  // to_chars in fixed notation is correctly rounded, as glibc's printf is, and writes inf and
  // nan as printf does; |v| < 1e308 needs at most 309 integer digits.
  char buf[352];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
  out.append(buf, r.ptr);
}

}  // namespace tickgate
