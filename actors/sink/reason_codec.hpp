#pragma once
// Decision reasons ("interval elapsed_ms=4200 interval_ms=300000 sig=12.5 chg=0.31",
// "price+1.25% rsi-6.0", "critical:anomaly") as codes and numbers: known words become one-byte
// codes from a fixed, append-only dictionary, numbers become their digits as a varint with
// the decimals and sign kept, so that the text comes back byte for byte; anything else is
// kept as a literal. Lossless for every string, known words or not.
#include <cstdint>
#include <string>
#include <string_view>

#include "messages/reason_words.hpp"

namespace tickgate {

/// Appends the encoding of `reason` to `out`.
void encode_reason(std::string_view reason, std::string& out);
/// Decodes one encoding from the front of `in` (advancing it) into `out`; false when the bytes
/// are not one.
bool decode_reason(std::string_view& in, std::string& out);

/// The encoding of a reason written part by part, without its text: what encode_reason gives
/// for the text the parts join to, byte for byte, as long as each part starts where the text's
/// parse starts a part anyway (a word, or a number between a word ending in '=' and a word
/// starting with ' ' or the end; tests compare the two).
class reason_parts_writer {
 public:
  /// Starts the reason at the end of `out` (its length is written by finish()).
  explicit reason_parts_writer(std::string& out);
  void word(reason_word w) { out_.push_back(static_cast<char>(w)); }
  /// printf's "%lld".
  void integer(int64_t v);
  /// printf's "%.<decimals>f".
  void fixed(double v, int decimals);
  void finish();

 private:
  void number_text(std::string_view text);
  std::string& out_;
  size_t length_at_;
};

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
