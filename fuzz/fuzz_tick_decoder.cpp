// Any bytes as a Kafka record value: decode_tick never crashes or throws, and what it accepts
// is within its limits and survives encode -> decode unchanged.
#include <cmath>
#include <cstdint>
#include <string_view>

#include "messages/tick_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tickgate;
  const tick_limits limits;
  auto r = decode_tick(std::string_view(reinterpret_cast<const char*>(data), size), limits);
  if (!r.ok) {
    if (r.code.empty() || r.reason.empty()) __builtin_trap();
    return 0;
  }
  const auto& t = r.value;
  if (t.symbol.empty() || t.ts <= 0 || t.ts >= limits.ts_max || !(t.price >= limits.price_min) ||
      !(t.price <= limits.price_max) || (present(t.bid) && present(t.ask) && t.bid > t.ask))
    __builtin_trap();
  auto again = decode_tick(encode_tick(t), limits);
  if (!again.ok || again.value.symbol != t.symbol || again.value.ts != t.ts ||
      again.value.price != t.price)
    __builtin_trap();
  return 0;
}
