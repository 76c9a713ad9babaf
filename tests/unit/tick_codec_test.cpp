#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "messages/tick_codec.hpp"

using namespace tickgate;

TEST(tick_codec, decodes_full_contract_example) {
  auto r = decode_tick(R"({"symbol":"BTCUSDT","ts":1677628800000,"price":23142.31,"volume":2.13,
      "bid":23142.0,"ask":23142.6,"indicators":{"rsi":55.2,"iv":0.41}})",
                       4096);
  ASSERT_TRUE(r.ok) << r.reason;
  EXPECT_EQ(r.value.symbol, "BTCUSDT");
  EXPECT_EQ(r.value.ts, 1677628800000);
  EXPECT_DOUBLE_EQ(r.value.price, 23142.31);
  EXPECT_DOUBLE_EQ(r.value.volume, 2.13);
  EXPECT_DOUBLE_EQ(r.value.bid, 23142.0);
  EXPECT_DOUBLE_EQ(r.value.ask, 23142.6);
  EXPECT_DOUBLE_EQ(r.value.rsi, 55.2);
  EXPECT_DOUBLE_EQ(r.value.iv, 0.41);
  EXPECT_FALSE(present(r.value.macd));
}

TEST(tick_codec, round_trips_through_encode) {
  tick t;
  t.symbol = "ETF";
  t.ts = 1410960600531;
  t.price = 23.82;
  t.volume = 1038;
  auto r = decode_tick(encode_tick(t), 4096);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.value.symbol, t.symbol);
  EXPECT_EQ(r.value.ts, t.ts);
  EXPECT_DOUBLE_EQ(r.value.price, t.price);
  EXPECT_DOUBLE_EQ(r.value.volume, t.volume);
  EXPECT_FALSE(present(r.value.bid));
}

struct bad_case {
  const char* json;
  const char* code;
};

class tick_codec_rejects : public ::testing::TestWithParam<bad_case> {};

TEST_P(tick_codec_rejects, with_reason_code) {
  auto r = decode_tick(GetParam().json, 4096);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.code, GetParam().code) << r.reason;
  EXPECT_FALSE(r.reason.empty());
}

INSTANTIATE_TEST_SUITE_P(
    cases, tick_codec_rejects,
    ::testing::Values(bad_case{"not json at all", "not_json"}, bad_case{"[1,2]", "not_object"},
                      bad_case{R"({"ts":1,"price":1})", "missing_field"},
                      bad_case{R"({"symbol":"A","price":1})", "missing_field"},
                      bad_case{R"({"symbol":"A","ts":1})", "missing_field"},
                      bad_case{R"({"symbol":"","ts":1,"price":1})", "bad_symbol"},
                      bad_case{R"({"symbol":7,"ts":1,"price":1})", "bad_symbol"},
                      bad_case{R"({"symbol":"A","ts":"yesterday","price":1})", "bad_ts"},
                      bad_case{R"({"symbol":"A","ts":-5,"price":1})", "bad_ts"},
                      bad_case{R"({"symbol":"A","ts":1,"price":0})", "bad_price"},
                      bad_case{R"({"symbol":"A","ts":1,"price":-3.5})", "bad_price"},
                      bad_case{R"({"symbol":"A","ts":1,"price":"12"})", "bad_price"},
                      // Out of double range: nlohmann rejects it while parsing.
                      bad_case{R"({"symbol":"A","ts":1,"price":1e999})", "not_json"},
                      bad_case{R"({"symbol":"A","ts":1,"price":1,"volume":-1})", "bad_field"},
                      bad_case{R"({"symbol":"A","ts":1,"price":1,"indicators":{"rsi":"x"}})",
                               "bad_field"}));

TEST(tick_codec, rejects_oversized_record_before_parsing) {
  std::string big = R"({"symbol":"A","ts":1,"price":1,"pad":")" + std::string(5000, 'x') + "\"}";
  auto r = decode_tick(big, 4096);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.code, "too_large");
}

// The hardening review's implausible records, each with the code it must get.
INSTANTIATE_TEST_SUITE_P(
    implausible, tick_codec_rejects,
    ::testing::Values(
        bad_case{R"({"symbol":"A","ts":99999999999999999,"price":1})", "bad_ts"},
        bad_case{R"({"symbol":"A","ts":9223372036854775807,"price":1})", "bad_ts"},
        bad_case{R"({"symbol":"A","ts":18446744073709551615,"price":1})", "bad_ts"},
        bad_case{R"({"symbol":"A","ts":1e300,"price":1})", "bad_ts"},
        bad_case{R"({"symbol":"A","ts":1677628800000.5,"price":1})", "bad_ts"},
        bad_case{R"({"symbol":"A","ts":1,"price":1e308})", "bad_price"},
        bad_case{R"({"symbol":"A","ts":1,"price":1e-300})", "bad_price"},
        bad_case{R"({"symbol":"A","ts":1,"price":1,"volume":1e308})", "bad_field"},
        bad_case{R"({"symbol":"A","ts":1,"price":1,"indicators":{"rsi":1e308}})", "bad_field"},
        bad_case{R"({"symbol":"A","ts":1,"price":1,"indicators":{"rsi":101}})", "bad_field"},
        bad_case{R"({"symbol":"A","ts":1,"price":1,"indicators":{"iv":-0.1}})", "bad_field"},
        bad_case{R"({"symbol":"A","ts":1,"price":1,"indicators":{"days_to_expiry":1e9}})", "bad_field"},
        bad_case{R"({"symbol":"A","ts":1,"price":1,"indicators":{"macd":1e300}})", "bad_field"},
        bad_case{R"({"symbol":"A","ts":1,"price":1,"indicators":[1]})", "bad_field"},
        bad_case{R"({"symbol":"A","ts":1,"price":1,"indicators":{"rsi":{"x":1}}})", "bad_field"},
        bad_case{R"({"symbol":"A","ts":1,"price":10,"bid":11,"ask":9})", "crossed_quote"},
        bad_case{R"({"symbol":"A","ts":1,"price":10,"bid":-1})", "bad_field"},
        bad_case{"{\"symbol\":\"W9\\u0000\",\"ts\":1,\"price\":1}", "bad_symbol"},
        bad_case{"{\"symbol\":\"A B\",\"ts\":1,\"price\":1}", "bad_symbol"},
        bad_case{"{\"symbol\":\"caf\xc3\xa9\",\"ts\":1,\"price\":1}", "bad_symbol"},
        bad_case{R"({"symbol":"A","symbol":"B","ts":1,"price":1})", "duplicate_key"},
        bad_case{R"({"symbol":"A","ts":1,"ts":2,"price":1})", "duplicate_key"},
        bad_case{R"({"symbol":"A","ts":1,"price":1,"x":1,"x":2})", "duplicate_key"},
        bad_case{R"({"symbol":"A","ts":1,"price":1,"indicators":{"rsi":1,"rsi":2}})", "duplicate_key"},
        bad_case{R"({"symbol":null,"ts":1,"price":1})", "bad_symbol"},
        bad_case{R"({"symbol":"A","ts":1,"price":[1]})", "bad_price"},
        bad_case{R"({"symbol":"A","ts":1,"price":true})", "bad_price"},
        bad_case{R"({"symbol":"A","ts":1,"price":1} trailing)", "not_json"},
        bad_case{"", "not_json"},
        bad_case{"\"just a string\"", "not_object"}));

TEST(tick_codec, ignores_unknown_fields_at_any_depth_and_null_optionals) {
  auto r = decode_tick(R"({"symbol":"BTC/USD","ts":1677628800000.0,"price":1,"venue":{"a":[1,{"b":2}],"c":"d"},
      "volume":null,"bid":null,"indicators":{"rsi":55,"custom":[1,2],"nested":{"rsi":1e308}}})",
                       4096);
  ASSERT_TRUE(r.ok) << r.reason;
  EXPECT_EQ(r.value.symbol, "BTC/USD");
  EXPECT_EQ(r.value.ts, 1677628800000);
  EXPECT_FALSE(present(r.value.volume));
  EXPECT_DOUBLE_EQ(r.value.rsi, 55);
}

TEST(tick_codec, limits_come_from_the_caller) {
  tick_limits l;
  l.price_max = 100;
  EXPECT_EQ(decode_tick(R"({"symbol":"A","ts":1,"price":100.5})", l).code, "bad_price");
  EXPECT_TRUE(decode_tick(R"({"symbol":"A","ts":1,"price":100})", l).ok);
}

// The fast scanner against nlohmann's parser (the reference): the same verdict, reason and
// fields for every input, well-formed or not. Inputs: hand-picked edge cases, then random
// byte-level mutations of real-shaped ticks.
namespace {

bool same_double(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof a) == 0;
}

void expect_same_decoding(const std::string& in) {
  const tick_limits lim;
  const auto fast = decode_tick(in, lim, tick_parser::fast);
  const auto ref = decode_tick(in, lim, tick_parser::nlohmann);
  ASSERT_EQ(fast.ok, ref.ok) << in;
  ASSERT_EQ(fast.code, ref.code) << in;
  ASSERT_EQ(fast.reason, ref.reason) << in;
  if (!ref.ok) return;
  const auto& a = fast.value;
  const auto& b = ref.value;
  ASSERT_EQ(a.symbol, b.symbol) << in;
  ASSERT_EQ(a.ts, b.ts) << in;
  for (auto [x, y] : {std::pair{a.price, b.price}, {a.volume, b.volume}, {a.bid, b.bid},
                      {a.ask, b.ask}, {a.rsi, b.rsi}, {a.iv, b.iv}, {a.macd, b.macd},
                      {a.days_to_expiry, b.days_to_expiry}})
    ASSERT_TRUE(same_double(x, y)) << in << ": " << x << " vs " << y;
}

}  // namespace

TEST(tick_codec, fast_scanner_agrees_with_nlohmann_on_edge_cases) {
  for (const char* in : {
           R"({"symbol":"AAPL","ts":1410960600531,"price":101.25,"volume":100})",
           R"( { "symbol" : "A" , "ts" : 1 , "price" : 1e2 } )",
           "{\"symbol\":\"A\",\n\t\"ts\":1,\r\"price\":0.5}",
           R"({"symbol":"A","ts":1,"price":1.5,"indicators":{"rsi":30,"iv":0.2,"macd":-0.5,"days_to_expiry":3}})",
           R"({"symbol":"A","ts":1,"price":1.5,"indicators":{}})",
           R"({"symbol":"A","ts":1,"price":1.5,"indicators":{"rsi":null}})",
           R"({"symbol":"A","ts":1,"price":1.5,"extra":{"deep":{"deeper":[1,2,{"x":"y"}]}}})",
           R"({"symbol":"A","ts":1,"price":1.5,"x":true,"y":false,"z":null})",
           R"({"symbol":"A","ts":1,"price":1.5,"price":2})",
           R"({"symbol":"A","ts":1,"price":1.5,"u":1,"u":2})",
           R"({"symbol":"A","ts":1,"price":1.5,"indicators":{"rsi":1,"rsi":2}})",
           R"({"symbol":"A","ts":1.0,"price":1.5})",
           R"({"symbol":"A","ts":1.5,"price":1.5})",
           R"({"symbol":"A","ts":-0,"price":1.5})",
           R"({"symbol":"A","ts":0,"price":1.5})",
           R"({"symbol":"A","ts":01,"price":1.5})",
           R"({"symbol":"A","ts":1,"price":-0.0})",
           R"({"symbol":"A","ts":1,"price":1e400})",
           R"({"symbol":"A","ts":1,"price":1e-400})",
           R"({"symbol":"A","ts":1,"price":2.2250738585072011e-308})",
           R"({"symbol":"A","ts":1,"price":0.1000000000000000055511151231257827})",
           R"({"symbol":"A","ts":123456789012345678,"price":1})",
           R"({"symbol":"A","ts":1234567890123456789,"price":1})",
           R"({"symbol":"A","ts":99999999999999999999,"price":1})",
           R"({"symbol":"A","ts":1,"price":1.})",
           R"({"symbol":"A","ts":1,"price":.5})",
           R"({"symbol":"A","ts":1,"price":+1})",
           R"({"symbol":"A","ts":1,"price":1e})",
           R"({"symbol":"A","ts":1,"price":1E+2})",
           R"({"symbol":"A","ts":1,"price":"1.5"})",
           R"({"symbol":"A\u0042","ts":1,"price":1.5})",
           R"({"symbol":"A\"B","ts":1,"price":1.5})",
           "{\"symbol\":\"A\xc3\xa9\",\"ts\":1,\"price\":1.5}",
           "{\"symbol\":\"A\xff\",\"ts\":1,\"price\":1.5}",
           "{\"symbol\":\"A\x01\",\"ts\":1,\"price\":1.5}",
           "{\"symbol\":\"A B\",\"ts\":1,\"price\":1.5}",
           "\xef\xbb\xbf{\"symbol\":\"A\",\"ts\":1,\"price\":1.5}",
           R"({"symbol":"A","ts":1,"price":1.5,})",
           R"({"symbol":"A","ts":1,"price":1.5})x",
           R"({"symbol":"A","ts":1,"price":1.5}{})",
           R"({"symbol":"A","ts":1,"price":1.5)",
           R"({"symbol":"A","ts":1 "price":1.5})",
           R"({"symbol" "A"})",
           R"({symbol:"A"})",
           R"([{"symbol":"A","ts":1,"price":1.5}])",
           R"({"symbol":["A"],"ts":1,"price":1.5})",
           R"({"symbol":{"a":1},"ts":1,"price":1.5})",
           R"({"symbol":"A","ts":tru,"price":1.5})",
           R"({"symbol":"A","ts":true,"price":1.5})",
           R"({"symbol":"A","ts":null,"price":1.5})",
           R"({"symbol":"","ts":1,"price":1.5})",
           R"({"ts":1,"price":1.5})",
           R"({"symbol":"A","ts":1,"price":1.5,"bid":2,"ask":1})",
           R"("just a string")", "12", "", " ", "{", "}", "{}", "null", "nul"})
    expect_same_decoding(in);
}

TEST(tick_codec, fast_scanner_agrees_with_nlohmann_on_mutated_ticks) {
  std::mt19937_64 rng(5);
  const std::vector<std::string> seeds = {
      R"({"symbol":"AAPL.3","ts":1410960600531,"price":101.25,"volume":100,"bid":101.2,"ask":101.3})",
      R"({"symbol":"BTCUSDT","ts":1677628800000,"price":23142.31,"volume":2.13,"indicators":{"rsi":55.2,"iv":0.41,"macd":-1.5e-3}})",
      R"({ "symbol": "ES", "ts": 1, "price": 4e3, "x": [1, {"y": null}], "z": true })"};
  const std::string alphabet = "{}[]\":,.-+eE0123456789 \\/uatrfnlsx\t\n\x01\x7f\xc3\xa9";
  for (int i = 0; i < 40000; ++i) {
    std::string s = seeds[rng() % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits && !s.empty(); ++e) {
      const size_t at = rng() % s.size();
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0: s[at] = c; break;
        case 1: s.insert(s.begin() + static_cast<std::ptrdiff_t>(at), c); break;
        default: s.erase(at, 1); break;
      }
    }
    expect_same_decoding(s);
  }
}
