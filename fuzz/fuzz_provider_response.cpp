// Any bytes as a provider's 200 answer, in every wire format: parsing never crashes or throws,
// usage counts are never negative, and an answer marked ok has exactly the items asked for.
#include <cstdint>
#include <string>

#include "actors/llm/provider_wire.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tickgate;
  if (size < 1) return 0;
  static const char* kinds[] = {"openai", "anthropic", "gemini"};
  const std::string kind = kinds[data[0] % 3];
  const size_t items = 1 + (data[0] / 3) % 4;
  const std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto a = parse_wire_response(kind, body, items);
  const auto& u = a.usage;
  if (u.uncached_input < 0 || u.cache_read < 0 || u.cache_write < 0 || u.output < 0) __builtin_trap();
  if (a.ok && a.results.size() != items) __builtin_trap();
  return 0;
}
