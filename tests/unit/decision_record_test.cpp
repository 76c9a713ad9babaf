// The compact decision record: reasons as codes and numbers (lossless for any string), the
// record renders the same text as the JSON line it replaced, and keys sort in (day, symbol,
// time, partition, offset) order.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <tuple>

#include "actors/sink/decision_record.hpp"
#include "actors/sink/reason_codec.hpp"
#include "actors/sink/records.hpp"
#include "app/feeds/csv_feed.hpp"
#include "bench/stage_chain.hpp"
#include "messages/verdict_reason.hpp"

using namespace tickgate;

namespace {

std::string round_trip(const std::string& s) {
  std::string enc;
  encode_reason(s, enc);
  std::string_view in = enc;
  std::string out;
  EXPECT_TRUE(decode_reason(in, out)) << s;
  EXPECT_TRUE(in.empty()) << s;
  return out;
}

size_t encoded_size(const std::string& s) {
  std::string enc;
  encode_reason(s, enc);
  return enc.size();
}

}  // namespace

TEST(reason_codec, every_reason_the_stages_write_comes_back_byte_for_byte) {
  for (const std::string s :
       {"not_subscribed", "first_state", "change_pct", "critical:anomaly", "urgent:sharp_move",
        "deferred_urgent:volume_surge", "critical_spacing elapsed_ms=1200 spacing_ms=60000",
        "interval elapsed_ms=4200 interval_ms=300000 sig=12.5 chg=0.31",
        "min_interval elapsed_ms=0 min_ms=30000", "periodic sig=0.0 chg=-0.05",
        "price+1.25% rsi-6.0 vol+31% bias_flip_down expiry time_decay", "price-0.00%",
        "significant_change sig=100.0 chg=12.34", "no_change elapsed_ms=-5 interval_ms=0 sig=7.5 chg=3.00"})
    EXPECT_EQ(round_trip(s), s);
}

TEST(reason_codec, odd_text_and_numbers_survive_as_they_are) {
  for (const std::string s :
       {"", "0", "007", "-0", "+0.10", "1.", ".5", "1.2.3", "a-", "x=+", "12345678901234567890123",
        "0.1234567890123456789", "3.14159265358979323846", "-", "+", "ünïcødé 42 \xff\x00\x01",
        "price_changeprice", "99999999999999999999", "1e9", "  double  spaces  "})
    EXPECT_EQ(round_trip(s), s);
  std::mt19937 rng(7);
  const std::string alphabet = "0123456789+-.:=% _abcdeilnprstv";
  for (int i = 0; i < 20'000; ++i) {
    std::string s(rng() % 40, ' ');
    for (auto& c : s) c = alphabet[rng() % alphabet.size()];
    ASSERT_EQ(round_trip(s), s);
  }
}

TEST(reason_codec, long_reasons_after_other_bytes_keep_both) {
  // The length goes before the body; a body of 128 bytes or more needs a two-byte length.
  for (size_t n : {0, 1, 126, 127, 128, 129, 300, 20'000}) {
    std::string reason;
    for (size_t i = 0; i < n; ++i) reason += static_cast<char>('A' + i % 3);  // no known word
    std::string enc = "prefix";
    encode_reason(reason, enc);
    encode_reason("interval", enc);  // and what follows it
    ASSERT_EQ(enc.substr(0, 6), "prefix");
    std::string_view in = std::string_view(enc).substr(6);
    std::string out;
    ASSERT_TRUE(decode_reason(in, out)) << n;
    EXPECT_EQ(out, reason) << n;
    ASSERT_TRUE(decode_reason(in, out)) << n;
    EXPECT_EQ(out, "interval");
    EXPECT_TRUE(in.empty());
  }
}

TEST(reason_codec, known_words_and_numbers_take_a_byte_or_three) {
  // Hand-counted: length 1 + interval 1 + " elapsed_ms=" 1 + 4200 (tag, header, 2-byte
  // varint) 4 + " interval_ms=" 1 + 300000 (3-byte varint) 5 + " sig=" 1 + 12.5 (125) 3 +
  // " chg=" 1 + 0.31 (31) 3 = 21 bytes for 58 characters.
  EXPECT_EQ(encoded_size("interval elapsed_ms=4200 interval_ms=300000 sig=12.5 chg=0.31"), 21u);
  EXPECT_EQ(encoded_size("not_subscribed"), 2u);
  EXPECT_EQ(encoded_size("critical:anomaly"), 3u);
}

TEST(reason_codec, truncated_or_foreign_bytes_are_refused_not_misread) {
  std::string enc;
  encode_reason("interval elapsed_ms=4200", enc);
  std::string out;
  for (size_t n = 0; n < enc.size(); ++n) {
    std::string_view in(enc.data(), n);
    EXPECT_FALSE(decode_reason(in, out)) << n;
  }
  std::string_view bad("\x01\xC8", 2);  // a code past the dictionary
  EXPECT_FALSE(decode_reason(bad, out));
}

// The skips decided on nearly every tick keep their form and numbers; their text is written
// only when read. Hand-written texts for each form, then the property the decision log relies
// on: the parts written straight as codes are the bytes the text encodes to, for any numbers
// (negative, past 18 digits, nan, inf, -0), and decode to that text.
TEST(reason_codec, formed_reasons_render_and_encode_as_their_text) {
  agent_verdict v;
  v.significance = 12.5, v.change_pct = 0.314;
  set_reason(v, reason_form::interval, 4200, 300000);
  EXPECT_EQ(reason_text(v), "interval elapsed_ms=4200 interval_ms=300000 sig=12.5 chg=0.31");
  EXPECT_EQ(reason_code(v), "interval");
  set_reason(v, reason_form::no_change, -5, 0);
  EXPECT_EQ(reason_text(v), "no_change elapsed_ms=-5 interval_ms=0 sig=12.5 chg=0.31");
  set_reason(v, reason_form::min_interval, 0, 30000);
  EXPECT_EQ(reason_text(v), "min_interval elapsed_ms=0 min_ms=30000");
  set_reason(v, reason_form::critical_spacing, 1200, 60000);
  EXPECT_EQ(reason_text(v), "critical_spacing elapsed_ms=1200 spacing_ms=60000");
  EXPECT_EQ(reason_code(v), "critical_spacing");
  set_reason(v, reason_form::not_subscribed);
  EXPECT_EQ(reason_text(v), "not_subscribed");
  set_reason_text(v, "critical:anomaly");
  EXPECT_EQ(reason_code(v), "critical");

  std::mt19937_64 rng(11);
  const int64_t ints[] = {0, 1, -1, 999'999'999'999'999'999, 1'000'000'000'000'000'000, -999'999'999'999'999'999,
                          -1'000'000'000'000'000'000, INT64_MAX, INT64_MIN, 1'700'000'000'000};
  const double reals[] = {0.0, -0.0, 0.004, -0.004, 0.005, 99.95, 1e300, -1e300, 1e-300,
                          std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                          -std::numeric_limits<double>::infinity(), 123456789012345678.0,
                          // ties and near-ties of one and two decimals
                          0.25, 0.125, 0.375, -0.625, 2.5, 1.005, 2.675, 0.45, 0.35, 1e15, 999999999999999.9};
  for (int i = 0; i < 50'000; ++i) {
    const auto form = static_cast<reason_form>(1 + rng() % 5);
    auto pick_int = [&] {
      return rng() % 3 == 0 ? ints[rng() % std::size(ints)]
                            : static_cast<int64_t>(rng() % 2'000'000) - 1'000'000;
    };
    auto pick_real = [&] {
      switch (rng() % 4) {
        case 0: return reals[rng() % std::size(reals)];
        case 1: return static_cast<double>(static_cast<int64_t>(rng() % 200'000) - 100'000) / 997.0;
        case 2: return static_cast<double>(static_cast<int64_t>(rng() % 20'000) - 10'000) / 1000.0;
        default: return static_cast<double>(static_cast<int64_t>(rng() % 4'000) - 2'000) / 64.0;  // dyadic: exact ties
      }
    };
    set_reason(v, form, pick_int(), pick_int());
    v.significance = pick_real(), v.change_pct = pick_real();
    const auto text = reason_text(v);
    std::string want = "x", got = "x";  // after other bytes, as in a record
    encode_reason(text, want);
    reason_parts_writer parts(got);
    ASSERT_TRUE(write_reason_parts(v, parts));
    parts.finish();
    ASSERT_EQ(got, want) << text;
    std::string_view in = std::string_view(got).substr(1);
    std::string back;
    ASSERT_TRUE(decode_reason(in, back));
    ASSERT_EQ(back, text);
  }
}

TEST(decision_record, keys_sort_by_day_symbol_time_partition_offset) {
  std::mt19937_64 rng(11);
  struct row {
    int64_t ts;
    std::string symbol;
    int32_t partition;
    int64_t offset;
  };
  std::vector<row> rows;
  const std::vector<std::string> symbols{"A", "AB", "B", "BTCUSDT", "ES.1"};
  for (int i = 0; i < 2000; ++i)
    rows.push_back({static_cast<int64_t>(rng() % 2'000'000'000'000ull) - 600'000'000'000,
                    symbols[rng() % symbols.size()], static_cast<int32_t>(rng() % 64) - 1,
                    static_cast<int64_t>(rng() % 1'000'000'000) - 1});
  auto key = [](const row& r) {
    tick_work w;
    w.t.symbol = r.symbol, w.t.ts = r.ts, w.t.partition = r.partition, w.t.offset = r.offset;
    return decision_log_key(w);
  };
  auto order = [](const row& r) {
    const int64_t day = r.ts >= 0 ? r.ts / 86'400'000 : (r.ts - 86'399'999) / 86'400'000;
    return std::make_tuple(day, r.symbol, r.ts, r.partition, r.offset);
  };
  auto by_key = rows, by_tuple = rows;
  std::sort(by_key.begin(), by_key.end(), [&](auto& a, auto& b) { return key(a) < key(b); });
  std::sort(by_tuple.begin(), by_tuple.end(), [&](auto& a, auto& b) { return order(a) < order(b); });
  for (size_t i = 0; i < rows.size(); ++i) ASSERT_EQ(order(by_key[i]), order(by_tuple[i])) << i;
  EXPECT_EQ(event_day(-1), -1);
  EXPECT_EQ(event_day(0), 0);
  EXPECT_EQ(event_day(86'399'999), 0);
  EXPECT_EQ(event_day(-86'400'000), -1);
  EXPECT_EQ(event_day(-86'400'001), -2);
}

// The real trade session through the four stages: every tick's record, decoded, renders each
// verdict to exactly the JSON line the old per-verdict log held, and takes a fraction of it.
TEST(decision_record, renders_the_same_text_as_the_json_log_it_replaced) {
  auto cfg = load_config(std::string(TICKGATE_SOURCE_DIR) + "/config/default.json", {});
  const auto ticks = read_csv_ticks(std::string(TICKGATE_SOURCE_DIR) + "/data/sample/hf_multitrade_2014-09-17.csv",
                                    {"trades", "America/New_York", ""});
  ASSERT_GT(ticks.size(), 40'000u);
  bench::stage_chain chain(cfg);
  std::vector<std::string> names;
  for (auto& a : cfg->agents) names.push_back(a.name);
  const uint32_t table = agent_table_id(names);
  size_t text_bytes = 0, record_bytes = 0, verdicts = 0, with_numbers = 0;
  int64_t offset = 0;
  for (const auto& t : ticks) {
    chain.step(t);
    auto& w = chain.w;
    w.t.offset = offset++;
    w.t.partition = static_cast<int32_t>(offset % 6);
    const auto key = decision_log_key(w);
    const auto value = encode_decision_record(w, table);
    record_bytes += key.size() + value.size();
    decision_record r;
    ASSERT_TRUE(decode_decision_record(key, value, r)) << offset;
    ASSERT_EQ(r.agent_table, table);
    ASSERT_EQ(r.work.verdicts.size(), w.verdicts.size());
    for (size_t i = 0; i < w.verdicts.size(); ++i) {
      const auto& name = names[w.verdicts[i].agent];
      const auto before = encode_decision(w, w.verdicts[i], name);
      ASSERT_EQ(encode_decision(r.work, r.work.verdicts[i], names[r.work.verdicts[i].agent]), before);
      EXPECT_EQ(r.work.verdicts[i].subscribed, w.verdicts[i].subscribed);
      // The old log's key: symbol \0 13-digit ts \0 partition:12-digit offset \0 agent.
      text_bytes += w.t.symbol.size() + 1 + 13 + 1 + 2 + 12 + 1 + name.size() + before.size();
      ++verdicts;
      with_numbers += reason_text(w.verdicts[i]).find('=') != std::string::npos;
    }
  }
  EXPECT_EQ(verdicts, ticks.size() * cfg->agents.size());
  EXPECT_GT(with_numbers, verdicts / 10);  // the numbers behind skips were exercised
  const double per_tick = static_cast<double>(record_bytes) / static_cast<double>(ticks.size());
  std::printf("decision log: %.0f bytes/tick as records, %.0f as JSON lines (%zu ticks)\n", per_tick,
              static_cast<double>(text_bytes) / static_cast<double>(ticks.size()), ticks.size());
  EXPECT_LT(per_tick, 150.0);  // before RocksDB's block compression
  EXPECT_LT(record_bytes * 5, text_bytes);
}

TEST(decision_record, damaged_records_are_refused) {
  tick_work w;
  w.t.symbol = "S", w.t.ts = 1'700'000'000'000, w.t.partition = 2, w.t.offset = 9, w.t.price = 101.25;
  w.events.push_back({static_cast<uint8_t>(event_type::signal), 2, 0, ""});
  agent_verdict v;
  v.reason = "interval elapsed_ms=4200 interval_ms=300000 sig=12.5 chg=0.31";
  v.act = static_cast<uint8_t>(action::skip);
  w.verdicts = {v, v};
  const auto key = decision_log_key(w);
  const auto value = encode_decision_record(w, 42);
  decision_record r;
  ASSERT_TRUE(decode_decision_record(key, value, r));
  EXPECT_EQ(r.work.t.price, 101.25);
  for (size_t n = 0; n < value.size(); ++n)
    EXPECT_FALSE(decode_decision_record(key, value.substr(0, n), r)) << n;
  EXPECT_FALSE(decode_decision_record(key, value + "x", r));
  EXPECT_FALSE(decode_decision_record(key.substr(0, key.size() - 1), value, r));
  EXPECT_FALSE(decode_decision_record(key, "\x02" + value.substr(1), r));  // another version
}

namespace {

// The price field as the format defines it, computed here the plain way: the fewest decimals
// (0 to 8) that give the same bits back, else the raw 8 bytes.
std::string price_field(double x) {
  std::string out;
  if (std::isfinite(x) && std::fabs(x) < 9e15 && !(x == 0 && std::signbit(x))) {
    for (int k = 0; k <= 8; ++k) {
      const double scale = std::pow(10.0, k);
      const double m = std::round(x * scale);
      if (std::fabs(m) >= 9e15) break;
      if (m / scale == x) {
        out.push_back(static_cast<char>(k));
        const auto n = static_cast<int64_t>(m);
        uint64_t z = (static_cast<uint64_t>(n) << 1) ^ static_cast<uint64_t>(n >> 63);
        while (z >= 0x80) {
          out.push_back(static_cast<char>((z & 0x7f) | 0x80));
          z >>= 7;
        }
        out.push_back(static_cast<char>(z));
        return out;
      }
    }
  }
  uint64_t bits = 0;
  std::memcpy(&bits, &x, sizeof bits);
  out.push_back(static_cast<char>(0xff));
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
  return out;
}

}  // namespace

// Doubles are stored as the fewest decimals that give them back: prices with 0-8 decimals,
// computed figures, huge, tiny, negative and special values, against the plain definition.
TEST(decision_record, doubles_take_the_fewest_decimals_that_give_them_back) {
  std::mt19937_64 rng(17);
  std::vector<double> xs{0.0, -0.0, 1.0, -1.0, 101.25, 0.1, 1e-9, 123456789.123, 2.25e7, -2.25e7,
                         22499999.99999999, 22500000.00000001, 8.9e15, 9.1e15, 1e300,
                         std::numeric_limits<double>::infinity(), std::nan(""), 1.0 / 3.0};
  for (int i = 0; i < 200'000; ++i) {
    const int k = static_cast<int>(rng() % 10);
    const double mantissa = static_cast<double>(static_cast<int64_t>(rng() % 4'000'000'000) - 2'000'000'000);
    switch (i % 4) {
      case 0: xs.push_back(mantissa / std::pow(10.0, k)); break;                // a decimal
      case 1: xs.push_back(mantissa / 7.0 / std::pow(10.0, k)); break;          // a computed figure
      case 2: xs.push_back(std::round(mantissa / 7.0 * 1e4) / 1e4); break;       // rounded to 4
      default: xs.push_back(std::ldexp(mantissa, static_cast<int>(rng() % 60) - 30)); break;
    }
  }
  tick_work w;
  w.t.symbol = "S", w.t.ts = 1'700'000'000'000;
  const auto key = decision_log_key(w);
  for (double x : xs) {
    w.t.price = x;
    const auto value = encode_decision_record(w, 7);
    // version (1), agent table (4), config version (1): then the price.
    const auto want = price_field(x);
    ASSERT_EQ(value.substr(6, want.size()), want) << x;
    decision_record r;
    ASSERT_TRUE(decode_decision_record(key, value, r)) << x;
    if (std::isnan(x)) ASSERT_TRUE(std::isnan(r.work.t.price));
    else ASSERT_EQ(std::memcmp(&r.work.t.price, &x, sizeof x), 0) << x;  // the same bits
  }
}
