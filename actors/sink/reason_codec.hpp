#pragma once
// Decision reasons ("interval elapsed_ms=4200 interval_ms=300000 sig=12.5 chg=0.31",
// "price+1.25% rsi-6.0", "critical:anomaly") as codes and numbers: known words become one-byte
// codes from a fixed, append-only dictionary, numbers become their digits as a varint with
// the decimals and sign kept, so that the text comes back byte for byte; anything else is
// kept as a literal. Lossless for every string, known words or not.
#include <string>
#include <string_view>

namespace tickgate {

/// Appends the encoding of `reason` to `out`.
void encode_reason(std::string_view reason, std::string& out);
/// Decodes one encoding from the front of `in` (advancing it) into `out`; false when the bytes
/// are not one.
bool decode_reason(std::string_view& in, std::string& out);

/// Unsigned LEB128 varints (shared with the decision record).
void put_varint(std::string& out, uint64_t v);
bool get_varint(std::string_view& in, uint64_t& v);

/// put_length_prefixed's end: writes the length of what follows `length_at`'s byte.
void widen_length(std::string& out, size_t length_at);
/// Appends what `write(out)` appends, behind its length as a varint, with no copy: a one-byte
/// length is reserved and widened in place when the part is longer than 127 bytes.
template <class Write>
void put_length_prefixed(std::string& out, Write&& write) {
  const size_t length_at = out.size();
  out.push_back('\0');
  write(out);
  widen_length(out, length_at);
}

}  // namespace tickgate
