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

/// A 64-bit hash taking 8 bytes a step (xor, multiply, xor-shift per word): stable across
/// builds and platforms like fnv1a64 (bytes are read little-endian whatever the machine), about
/// 8 times faster on long inputs. Not for keys an adversary picks.
constexpr uint64_t hash64(std::string_view s) {
  constexpr uint64_t k = 0x9E3779B97F4A7C15ull;
  uint64_t h = 0x243F6A8885A308D3ull ^ (static_cast<uint64_t>(s.size()) * k);
  auto mix = [&](uint64_t w) {
    h = (h ^ w) * k;
    h ^= h >> 29;
  };
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w = 0;
    for (int b = 0; b < 8; ++b) w |= static_cast<uint64_t>(static_cast<unsigned char>(s[i + b])) << (8 * b);
    mix(w);
  }
  uint64_t w = 0;
  for (int b = 0; i < s.size(); ++i, ++b) w |= static_cast<uint64_t>(static_cast<unsigned char>(s[i])) << (8 * b);
  mix(w);
  h ^= h >> 32;
  h *= k;
  h ^= h >> 29;
  return h;
}

}  // namespace tickgate
