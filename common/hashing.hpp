#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace tickgate {

/// Lower-case hex SHA-256 of the bytes.
std::string sha256_hex(std::string_view bytes);

/// FNV-1a 64: stable across builds and platforms (std::hash is not), used for shard routing.
constexpr uint64_t fnv1a64(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace tickgate
