#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/feeds/csv_feed.hpp"

using namespace tickgate;

namespace {
std::string write_temp(const std::string& name, const std::string& text) {
  auto dir = std::filesystem::temp_directory_path() / "tickgate_csv_test";
  std::filesystem::create_directories(dir);
  auto path = dir / name;
  std::ofstream(path) << text;
  return path.string();
}
}  // namespace

TEST(csv_feed, time_zones_by_hand) {
  // 09:30:00.531657 EDT (UTC-4) = 13:30:00.531Z = 1410960600531 (computed with Python).
  EXPECT_EQ(parse_time_ms("2014-09-17 09:30:00.531657", "America/New_York"), 1410960600531);
  // January: EST (UTC-5). 09:30 -> 14:30Z = 1389796200000.
  EXPECT_EQ(parse_time_ms("2014-01-15 09:30:00", "America/New_York"), 1389796200000);
  EXPECT_EQ(parse_time_ms("2014-09-17 09:30:00.531657", "-04:00"), 1410960600531);
  EXPECT_EQ(parse_time_ms("2014-09-17T13:30:00.531Z", ""), 1410960600531);
  EXPECT_EQ(parse_time_ms("2023-03-01 00:01:00+00:00", ""), 1677628860000);
  EXPECT_EQ(parse_time_ms("1677628860000", ""), 1677628860000);
  EXPECT_EQ(parse_time_ms("1677628860", ""), 1677628860000);  // seconds
  EXPECT_THROW(parse_time_ms("2014-09-17 09:30:00", ""), csv_error);  // no offset, no tz
  EXPECT_THROW(parse_time_ms("2014-09-17 09:30:00", "Mars/Olympus"), csv_error);
}

TEST(csv_feed, trades_format) {
  auto p = write_temp("trades.csv",
                      "DT,SYMBOL,PRICE,SIZE\n2014-09-17 09:30:00.531657,ETF,23.82,3\n"
                      "2014-09-17 09:30:01.061445,AAA,23.83,100\n");
  std::string fmt;
  auto ticks = read_csv_ticks(p, {"auto", "America/New_York", ""}, &fmt);
  EXPECT_EQ(fmt, "trades");
  ASSERT_EQ(ticks.size(), 2u);
  EXPECT_EQ(ticks[0].symbol, "ETF");
  EXPECT_EQ(ticks[0].ts, 1410960600531);
  EXPECT_DOUBLE_EQ(ticks[0].price, 23.82);
  EXPECT_DOUBLE_EQ(ticks[1].volume, 100);
}

TEST(csv_feed, bars_are_stamped_at_their_close) {
  auto p = write_temp("BTCUSDT_1m_test.csv",
                      "open_time,open,high,low,close,volume\n"
                      "2023-03-01 00:00:00+00:00,23140.48,23150.77,23128.52,23142.31,2.131777\n"
                      "2023-03-01 00:01:00+00:00,23143.89,23148.8,23137.61,23137.77,0.881378\n");
  std::string fmt;
  auto ticks = read_csv_ticks(p, {"auto", "", ""}, &fmt);
  EXPECT_EQ(fmt, "bars");
  ASSERT_EQ(ticks.size(), 2u);
  EXPECT_EQ(ticks[0].symbol, "BTCUSDT");             // from the file name
  EXPECT_EQ(ticks[0].ts, 1677628800000 + 60'000);    // open + 1 minute
  EXPECT_DOUBLE_EQ(ticks[0].price, 23142.31);        // the close
  EXPECT_DOUBLE_EQ(ticks[0].volume, 2.131777);
}

TEST(csv_feed, generic_and_quotes) {
  auto g = read_csv_ticks(write_temp("g.csv", "ts,symbol,price,volume,bid,ask\n1000,X,10,5,9.9,10.1\n"),
                          {"auto", "", ""});
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].ts, 1000 * 1000);  // small integers are epoch seconds
  EXPECT_DOUBLE_EQ(g[0].bid, 9.9);
  auto q = read_csv_ticks(write_temp("q.csv", "ts,symbol,bid,ask\n1677628860000,X,10,11\n"),
                          {"auto", "", ""});
  ASSERT_EQ(q.size(), 1u);
  EXPECT_DOUBLE_EQ(q[0].price, 10.5);
}

TEST(csv_feed, bad_rows_name_file_and_line) {
  auto p = write_temp("bad.csv", "ts,symbol,price\n1677628860000,X,10\n1677628860001,X,abc\n");
  try {
    read_csv_ticks(p, {"auto", "", ""});
    FAIL() << "expected csv_error";
  } catch (const csv_error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.csv:3: bad price 'abc'"), std::string::npos)
        << e.what();
  }
}

// The hardening review's CSV findings: each is a csv_error naming line and value, never a bare
// "stoll" or a silently normalised date.
TEST(csv_feed, impossible_times_and_zones_are_errors_with_line_and_value) {
  struct bad {
    std::string row, tz, expect;
  };
  for (auto& b : std::vector<bad>{
           {"12345678901234567890123,X,10", "", "csv:2: bad time '12345678901234567890123'"},
           {"2014-13-45 09:30:00,X,10", "UTC", "csv:2: bad time '2014-13-45 09:30:00': no such date"},
           {"2014-02-30 09:30:00,X,10", "UTC", "no such date"},
           {"2014-09-17 99:99:99,X,10", "UTC", "no such date or time of day"},
           {"2014-09-17 09:30:00.,X,10", "UTC", "bad fraction"},
           {"2014-09-17 09:30:00+25:00,X,10", "UTC", "bad time offset"},
           {"2014-09-17 09:30:00,X,10", "../../../etc/passwd", "bad time zone '../../../etc/passwd'"},
           {"2014-09-17 09:30:00,X,10", "Europe/../../etc/passwd", "bad time zone"},
       }) {
    std::istringstream in("ts,symbol,price\n" + b.row + "\n");
    try {
      read_csv_ticks(in, "csv", {"auto", b.tz, ""});
      ADD_FAILURE() << "accepted: " << b.row << " tz " << b.tz;
    } catch (const csv_error& e) {
      EXPECT_NE(std::string(e.what()).find(b.expect), std::string::npos) << e.what();
    }
  }
  std::istringstream leap("ts,symbol,price\n2016-02-29 23:59:60,X,10\n");
  EXPECT_EQ(read_csv_ticks(leap, "csv", {"auto", "UTC", ""}).size(), 1u);  // leap day, leap second
}
