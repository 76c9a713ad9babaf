#pragma once
// JSON <-> tick at the Kafka edge. Parsing never throws: a bad tick is a value with a reason.
// The decoder is a SAX pass (no DOM): it sees each key once, so a repeated key is rejected
// instead of "the last one wins", and it checks every number against plausible bounds before
// a tick can reach any state.
#include <cstdint>
#include <string>
#include <string_view>

#include "messages/tick.hpp"

namespace tickgate {

/// Outcome of decoding one Kafka record into a tick.
struct tick_decode_result {
  bool ok = false;
  tick value;
  std::string reason;  // set when !ok: a short machine-countable code, then detail
  std::string code;    // e.g. "not_json", "missing_field", "bad_price", "too_large"
};

/// Bounds a tick must respect to be decoded at all (stateless checks; the plausibility policy
/// adds those that need history). Defaults are wide enough for any real instrument.
struct tick_limits {
  size_t max_bytes = 4096;
  double price_min = 1e-8;   // price (and bid, ask) in [price_min, price_max]
  double price_max = 1e9;
  double volume_max = 1e12;  // volume in [0, volume_max]
  /// Exclusive upper bound of ts: 13 digits of epoch ms (year 2286), so that decision-log keys,
  /// which print ts with 13 digits, keep their order.
  int64_t ts_max = 10'000'000'000'000;
};

/// Decodes and validates a tick: shape, types, no repeated key, symbol of printable ASCII
/// (at most 64 bytes), ts an integer in (0, ts_max), finite numbers within `limits`,
/// bid <= ask, RSI in [0, 100], IV in [0, 100], days to expiry in [0, 36500].
/// `parser`: `fast` scans plain JSON itself and leaves anything else to nlohmann's parser;
/// `nlohmann` always uses nlohmann's (the reference the fast scanner is tested against). Both
/// give the same result for every input.
enum class tick_parser { fast, nlohmann };
tick_decode_result decode_tick(std::string_view bytes, const tick_limits& limits,
                               tick_parser parser = tick_parser::fast);
inline tick_decode_result decode_tick(std::string_view bytes, size_t max_bytes) {
  tick_limits l;
  l.max_bytes = max_bytes;
  return decode_tick(bytes, l);
}

/// Encodes a tick in the contract's JSON schema (absent fields omitted).
std::string encode_tick(const tick& t);

}  // namespace tickgate
