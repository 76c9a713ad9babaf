#pragma once
// JSON <-> tick at the Kafka edge. Parsing never throws: a bad tick is a value with a reason.
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

/// Decodes and validates a tick. `max_bytes` bounds the accepted record size.
tick_decode_result decode_tick(std::string_view bytes, size_t max_bytes);

/// Encodes a tick in the contract's JSON schema (absent fields omitted).
std::string encode_tick(const tick& t);

}  // namespace tickgate
