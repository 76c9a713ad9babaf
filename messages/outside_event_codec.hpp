#pragma once
// JSON <-> outside event at the Kafka edge (schemas/v1/market.events.schema.json). Decoding
// never throws: a bad record is a value with a code and a reason, for the DLQ.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "messages/market_event.hpp"
#include "messages/outside_event.hpp"
#include "messages/tick_codec.hpp"

namespace tickgate {

/// What an outside event may be.
struct outside_limits {
  size_t max_bytes = 4096;
  size_t max_text_bytes = 1024;
  uint8_t max_priority = static_cast<uint8_t>(priority::high);  // a higher one sent is capped
  tick_limits ticks;  // ts and price bounds as for ticks
};

struct outside_decode_result {
  bool ok = false;
  bool capped = false;  // the sender's priority was above max_priority
  outside_event value;
  std::string code;    // e.g. "not_json", "missing_field", "bad_type"
  std::string reason;  // code, then detail
};

/// Decodes and validates: an object with symbol (printable ASCII, <= 64 bytes), ts (integer
/// epoch ms), type (signal|strategy_signal, position_opened, position_closed, earnings, news);
/// optional priority (low..critical, any case), text or headline (UTF-8, <= max_text_bytes;
/// required for news), value (finite number), price (within the tick bounds), source (<= 64
/// bytes). Other keys are ignored.
outside_decode_result decode_outside_event(std::string_view bytes, const outside_limits& limits);

/// Encodes in the schema's form (absent fields omitted).
std::string encode_outside_event(const outside_event& e);

/// Decodes a request for an analysis on demand (schemas/v1/ai.requests.schema.json) into an
/// on_demand event: correlation_id (1-128 printable ASCII), symbol, agent (one of `agents`,
/// the configured ones) required; context (<= max_text_bytes), max_age_s (>= 0), ts optional.
outside_decode_result decode_request(std::string_view bytes, const outside_limits& limits,
                                     const std::vector<std::string>& agents);
std::string encode_request(const outside_event& e, const std::string& agent);

}  // namespace tickgate
