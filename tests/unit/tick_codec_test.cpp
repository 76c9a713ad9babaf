#include <gtest/gtest.h>

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
