// append_int / append_fixed against the C library's printf, the oracle they replace.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>

#include "common/number_text.hpp"

namespace tickgate {
namespace {

std::string printf_fixed(double v, int decimals, bool plus) {
  char buf[400];
  std::snprintf(buf, sizeof buf, plus ? "%+.*f" : "%.*f", decimals, v);
  return buf;
}

std::string ours_fixed(double v, int decimals, bool plus) {
  std::string s = "x";  // appends, never replaces
  append_fixed(s, v, decimals, plus);
  return s.substr(1);
}

TEST(number_text, fixed_hand_cases) {
  EXPECT_EQ(ours_fixed(12.25, 1, false), "12.2");    // ties to even on the exact binary value
  EXPECT_EQ(ours_fixed(0.125, 2, false), "0.12");
  EXPECT_EQ(ours_fixed(0.375, 2, false), "0.38");
  EXPECT_EQ(ours_fixed(1.25, 2, true), "+1.25");
  EXPECT_EQ(ours_fixed(-0.04, 1, true), "-0.0");     // the sign of what rounds to zero stays
  EXPECT_EQ(ours_fixed(0.0, 0, true), "+0");
  EXPECT_EQ(ours_fixed(-0.0, 2, false), "-0.00");
  EXPECT_EQ(ours_fixed(99.5, 0, false), "100");
  EXPECT_EQ(ours_fixed(2.5, 0, false), "2");
}

TEST(number_text, fixed_matches_printf_on_random_and_special_values) {
  std::mt19937_64 rng(20261206);
  std::uniform_real_distribution<double> small(-200.0, 200.0);
  std::uniform_int_distribution<int> exp(-30, 40);
  std::uniform_int_distribution<uint64_t> bits;
  std::vector<double> values = {0.0, -0.0, 0.05, 0.15, 0.25, 0.35, 1e-300, -1e-300, DBL_MIN,
                                DBL_MAX, -DBL_MAX, 1e15 + 0.5, 123456789.125,
                                std::numeric_limits<double>::infinity(),
                                -std::numeric_limits<double>::infinity(),
                                std::numeric_limits<double>::quiet_NaN(),
                                -std::numeric_limits<double>::quiet_NaN()};
  for (int i = 0; i < 20000; ++i) {
    values.push_back(small(rng));
    values.push_back(small(rng) * std::pow(10.0, exp(rng)));
    values.push_back(std::round(small(rng) * 1000) / 1000 + 0.0005);  // near decimal ties
    double d;
    uint64_t b = bits(rng);
    std::memcpy(&d, &b, sizeof d);  // any bit pattern, NaNs and subnormals included
    values.push_back(d);
  }
  for (double v : values)
    for (int decimals : {0, 1, 2, 4})
      for (bool plus : {false, true})
        ASSERT_EQ(ours_fixed(v, decimals, plus), printf_fixed(v, decimals, plus))
            << "v=" << v << " decimals=" << decimals << " plus=" << plus;
}

TEST(number_text, int_matches_printf) {
  std::mt19937_64 rng(7);
  std::vector<long long> values = {0, -1, 1, std::numeric_limits<long long>::min(),
                                   std::numeric_limits<long long>::max()};
  for (int i = 0; i < 10000; ++i) values.push_back(static_cast<long long>(rng()) >> (rng() % 64));
  for (long long v : values) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%lld", v);
    std::string s;
    append_int(s, v);
    ASSERT_EQ(s, buf);
  }
}

}  // namespace
}  // namespace tickgate
