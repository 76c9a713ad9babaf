#pragma once
// Small text helpers shared by the codecs at the Kafka edge (ticks, outside events, requests):
// numbers in dead-letter reasons, and the printable-ASCII rule for symbols and ids.
#include <cstdio>
#include <string>

namespace tickgate {

/// A number as a DLQ reason shows it: up to 10 significant digits.
inline std::string reason_num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

/// Every byte is printable ASCII other than the space (0x21..0x7e).
inline bool printable_ascii(const std::string& s) {
  for (unsigned char c : s)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

}  // namespace tickgate
