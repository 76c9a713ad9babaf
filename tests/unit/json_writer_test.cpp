#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <limits>
#include <random>

#include "common/json_writer.hpp"

using tickgate::json_writer;

TEST(json_writer, nested_structure_parses_back) {
  std::string out;
  json_writer j(out);
  j.begin_object().field("a", int64_t{1}).field("s", "x\"y\\z\n\x01").field("b", true);
  j.key("arr").begin_array().value("p").value(2.5).begin_object().end_object().end_array();
  j.field("nan", std::numeric_limits<double>::quiet_NaN()).end_object();
  auto doc = nlohmann::json::parse(out);
  EXPECT_EQ(doc["a"], 1);
  EXPECT_EQ(doc["s"], "x\"y\\z\n\x01");
  EXPECT_EQ(doc["b"], true);
  EXPECT_EQ(doc["arr"][1], 2.5);
  EXPECT_TRUE(doc["arr"][2].is_object());
  EXPECT_TRUE(doc["nan"].is_null());
}

TEST(json_writer, property_doubles_round_trip_exactly) {
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> d(-1e9, 1e9);
  for (int i = 0; i < 10'000; ++i) {
    double v = d(rng) / (1 + static_cast<double>(rng() % 1000));
    std::string out;
    json_writer(out).value(v);
    ASSERT_EQ(nlohmann::json::parse(out).get<double>(), v) << out;
  }
  std::string out;
  json_writer(out).value(23168.89);
  EXPECT_EQ(out, "23168.89");  // shortest form, as a person writes it
}

TEST(json_writer, property_strings_round_trip_through_a_json_parser) {
  std::mt19937 rng(7);
  for (int round = 0; round < 2000; ++round) {
    std::string s;
    const int len = static_cast<int>(rng() % 40);
    for (int i = 0; i < len; ++i) {
      const auto pick = rng() % 10;
      if (pick == 0) s += static_cast<char>(1 + rng() % 31);            // control characters
      else if (pick == 1) s += (rng() % 2) ? '"' : '\\';               // quote, backslash
      else if (pick == 2) s += "\xc3\xa9";                              // UTF-8 (é)
      else s += static_cast<char>(' ' + rng() % 95);                    // printable ASCII
    }
    std::string out;
    tickgate::json_writer j(out);
    j.begin_object().field("s", std::string_view(s)).end_object();
    auto doc = nlohmann::json::parse(out);
    ASSERT_EQ(doc["s"].get<std::string>(), s) << out;
  }
}
