// Any bytes as a Kafka record value: decode_tick never crashes or throws, its fast scanner
// decides exactly as nlohmann's parser (the reference) does, and what it accepts is within its
// limits and survives encode -> decode unchanged.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "messages/tick_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tickgate;
  const tick_limits limits;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  auto r = decode_tick(in, limits);
  const auto ref = decode_tick(in, limits, tick_parser::nlohmann);
  if (r.ok != ref.ok || r.code != ref.code || r.reason != ref.reason) __builtin_trap();
  if (r.ok) {
    const auto same = [](double a, double b) {
      return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof a) == 0;
    };
    const auto &a = r.value, &b = ref.value;
    if (a.symbol != b.symbol || a.ts != b.ts || !same(a.price, b.price) || !same(a.volume, b.volume) ||
        !same(a.bid, b.bid) || !same(a.ask, b.ask) || !same(a.rsi, b.rsi) || !same(a.iv, b.iv) ||
        !same(a.macd, b.macd) || !same(a.days_to_expiry, b.days_to_expiry))
      __builtin_trap();
  }
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
