// hash64: the values a Python reimplementation gives (bytes read little-endian, 8 at a time),
// no collisions among distinct inputs, and every flipped bit changes the hash.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <unordered_set>

#include "common/hashing.hpp"

using namespace tickgate;

TEST(hash64, matches_an_independent_implementation) {
  static_assert(hash64("") == 0xfca21b334adf1d4aull);  // usable at compile time
  EXPECT_EQ(hash64("a"), 0x0ec66ef59123a183ull);
  EXPECT_EQ(hash64("abcdefgh"), 0x9f25d1ea7db53c0dull);  // one whole word
  EXPECT_EQ(hash64("abcdefghi"), 0x9b0d472d9e9a5e57ull);  // a word and a tail
  std::string bytes;
  for (int i = 0; i < 100; ++i) bytes.push_back(static_cast<char>(i));
  EXPECT_EQ(hash64(bytes), 0x20772d2d161bbc06ull);
}

TEST(hash64, distinct_inputs_and_flipped_bits_give_distinct_hashes) {
  std::mt19937_64 rng(3);
  std::unordered_set<std::string> inputs;
  std::unordered_set<uint64_t> hashes;
  while (inputs.size() < 200'000) {
    std::string s(1 + rng() % 120, '\0');
    for (auto& c : s) c = static_cast<char>(rng() % 4);  // few symbols: many near-equal inputs
    if (inputs.insert(s).second) hashes.insert(hash64(s));
  }
  EXPECT_EQ(hashes.size(), inputs.size());
  for (int n = 0; n < 300; ++n) {
    std::string s(1 + rng() % 64, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    const uint64_t h = hash64(s);
    for (size_t bit = 0; bit < s.size() * 8; ++bit) {
      std::string t = s;
      t[bit / 8] = static_cast<char>(t[bit / 8] ^ (1 << (bit % 8)));
      ASSERT_NE(hash64(t), h) << "bit " << bit;
    }
    ASSERT_NE(hash64(s + std::string(1, '\0')), h);  // the length counts
  }
}
