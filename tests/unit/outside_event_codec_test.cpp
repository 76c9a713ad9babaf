// Outside events at the Kafka edge: what is accepted (with the type's default priority, a
// sender's priority capped), what goes to the DLQ with which code, and the round trip.
#include <gtest/gtest.h>

#include <cmath>

#include "messages/outside_event_codec.hpp"

using namespace tickgate;

namespace {

outside_decode_result decode(const std::string& s) { return decode_outside_event(s, outside_limits{}); }

uint8_t p(priority x) { return static_cast<uint8_t>(x); }
uint8_t t(event_type x) { return static_cast<uint8_t>(x); }

}  // namespace

TEST(outside_event_codec, accepts_each_type_with_its_default_priority) {
  struct row {
    const char* json;
    event_type type;
    priority prio;
  };
  const row rows[] = {
      {R"({"symbol":"AAPL","ts":1410960600000,"type":"signal"})", event_type::strategy_signal, priority::high},
      {R"({"symbol":"AAPL","ts":1410960600000,"type":"strategy_signal"})", event_type::strategy_signal, priority::high},
      {R"({"symbol":"AAPL","ts":1,"type":"position_opened"})", event_type::position_opened, priority::high},
      {R"({"symbol":"AAPL","ts":1,"type":"position_closed"})", event_type::position_closed, priority::medium},
      {R"({"symbol":"AAPL","ts":1,"type":"earnings"})", event_type::earnings, priority::high},
      {R"({"symbol":"AAPL","ts":1,"type":"news","text":"Apple beats"})", event_type::news, priority::medium},
      {R"({"symbol":"AAPL","ts":1,"type":"news","headline":"Apple beats"})", event_type::news, priority::medium},
  };
  for (auto& r : rows) {
    auto d = decode(r.json);
    ASSERT_TRUE(d.ok) << r.json << " " << d.reason;
    EXPECT_EQ(d.value.type, t(r.type)) << r.json;
    EXPECT_EQ(d.value.prio, p(r.prio)) << r.json;
    EXPECT_FALSE(d.capped);
    EXPECT_TRUE(std::isnan(d.value.value));
    EXPECT_TRUE(std::isnan(d.value.price));
  }
  EXPECT_EQ(decode(rows[6].json).value.text, "Apple beats");
}

TEST(outside_event_codec, a_senders_priority_is_taken_and_capped) {
  auto low = decode(R"({"symbol":"X","ts":5,"type":"signal","priority":"low"})");
  ASSERT_TRUE(low.ok);
  EXPECT_EQ(low.value.prio, p(priority::low));
  auto crit = decode(R"({"symbol":"X","ts":5,"type":"news","text":"halt","priority":"CRITICAL"})");
  ASSERT_TRUE(crit.ok);
  EXPECT_EQ(crit.value.prio, p(priority::high));  // default cap: high
  EXPECT_TRUE(crit.capped);
  outside_limits open;
  open.max_priority = p(priority::critical);
  auto allowed = decode_outside_event(R"({"symbol":"X","ts":5,"type":"news","text":"halt","priority":"Critical"})", open);
  ASSERT_TRUE(allowed.ok);
  EXPECT_EQ(allowed.value.prio, p(priority::critical));
  EXPECT_FALSE(allowed.capped);
}

TEST(outside_event_codec, keeps_value_price_source_and_ignores_other_keys) {
  auto d = decode(R"({"symbol":"ES=F","ts":7,"type":"position_opened","value":-250,"price":4512.25,
                      "source":"meanrev-3","text":"short 250","desk":"rates","extra":{"a":[1]}})");
  ASSERT_TRUE(d.ok) << d.reason;
  EXPECT_EQ(d.value.symbol, "ES=F");
  EXPECT_EQ(d.value.ts, 7);
  EXPECT_EQ(d.value.value, -250);
  EXPECT_EQ(d.value.price, 4512.25);
  EXPECT_EQ(d.value.source, "meanrev-3");
  EXPECT_EQ(d.value.text, "short 250");
}

TEST(outside_event_codec, rejects_with_a_code_for_each_fault) {
  struct row {
    std::string json;
    const char* code;
  };
  const std::string long_text(1025, 'x');
  const row rows[] = {
      {"not json", "not_json"},
      {"[1,2]", "not_object"},
      {R"({"ts":1,"type":"signal"})", "missing_field"},
      {R"({"symbol":"","ts":1,"type":"signal"})", "bad_symbol"},
      {R"({"symbol":"A B","ts":1,"type":"signal"})", "bad_symbol"},
      {R"({"symbol":7,"ts":1,"type":"signal"})", "bad_symbol"},
      {R"({"symbol":"A","type":"signal"})", "missing_field"},
      {R"({"symbol":"A","ts":1.5,"type":"signal"})", "bad_ts"},
      {R"({"symbol":"A","ts":-3,"type":"signal"})", "bad_ts"},
      {R"({"symbol":"A","ts":"2024-01-01","type":"signal"})", "bad_ts"},
      {R"({"symbol":"A","ts":10000000000000,"type":"signal"})", "bad_ts"},
      {R"({"symbol":"A","ts":1})", "missing_field"},
      {R"({"symbol":"A","ts":1,"type":"rumour"})", "bad_type"},
      {R"({"symbol":"A","ts":1,"type":"anomaly"})", "bad_type"},  // tick-derived: not from outside
      {R"({"symbol":"A","ts":1,"type":"signal","priority":"urgent"})", "bad_priority"},
      {R"({"symbol":"A","ts":1,"type":"news"})", "missing_field"},
      {R"({"symbol":"A","ts":1,"type":"news","text":""})", "missing_field"},
      {R"({"symbol":"A","ts":1,"type":"news","text":"a","headline":"b"})", "bad_text"},
      {R"({"symbol":"A","ts":1,"type":"news","text":["a"]})", "bad_text"},
      {R"({"symbol":"A","ts":1,"type":"news","text":")" + long_text + R"("})", "bad_text"},
      {R"({"symbol":"A","ts":1,"type":"signal","value":"strong"})", "bad_value"},
      {R"({"symbol":"A","ts":1,"type":"signal","value":1e300})", "bad_value"},
      {R"({"symbol":"A","ts":1,"type":"signal","price":0})", "bad_price"},
      {R"({"symbol":"A","ts":1,"type":"signal","price":-1})", "bad_price"},
      {R"({"symbol":"A","ts":1,"type":"signal","source":{}})", "bad_source"},
      {std::string(5000, ' '), "too_large"},
  };
  for (auto& r : rows) {
    auto d = decode(r.json);
    EXPECT_FALSE(d.ok) << r.json;
    EXPECT_EQ(d.code, r.code) << r.json.substr(0, 120) << " -> " << d.reason;
    EXPECT_EQ(d.reason.rfind(std::string(r.code) + ": ", 0), 0u) << d.reason;
  }
}

TEST(outside_event_codec, encode_then_decode_is_the_identity) {
  outside_event e;
  e.symbol = "BTCUSDT";
  e.ts = 1'700'000'000'123;
  e.type = t(event_type::news);
  e.prio = p(priority::medium);
  e.value = 2.5;
  e.price = 36'512.5;
  e.text = "ETF \"approved\" \xE2\x80\x94 sources";
  e.source = "wire";
  auto d = decode(encode_outside_event(e));
  ASSERT_TRUE(d.ok) << d.reason;
  EXPECT_EQ(d.value.symbol, e.symbol);
  EXPECT_EQ(d.value.ts, e.ts);
  EXPECT_EQ(d.value.type, e.type);
  EXPECT_EQ(d.value.prio, e.prio);
  EXPECT_EQ(d.value.value, e.value);
  EXPECT_EQ(d.value.price, e.price);
  EXPECT_EQ(d.value.text, e.text);
  EXPECT_EQ(d.value.source, e.source);
  e.type = t(event_type::strategy_signal);
  EXPECT_NE(encode_outside_event(e).find(R"("type":"signal")"), std::string::npos);
}

TEST(request_codec, a_request_is_an_on_demand_event_of_one_configured_agent) {
  const std::vector<std::string> agents{"market_regime", "signal_validator"};
  auto d = decode_request(R"({"correlation_id":"desk-42","symbol":"BTCUSDT","agent":"signal_validator",
                              "context":"is the breakout real?","max_age_s":1.5,"ts":1700000000000})",
                          outside_limits{}, agents);
  ASSERT_TRUE(d.ok) << d.reason;
  EXPECT_EQ(d.value.type, t(event_type::on_demand));
  EXPECT_EQ(d.value.prio, p(priority::critical));
  EXPECT_EQ(d.value.agent, 1);
  EXPECT_EQ(d.value.correlation_id, "desk-42");
  EXPECT_EQ(d.value.text, "is the breakout real?");
  EXPECT_EQ(d.value.max_age_ms, 1500);
  EXPECT_EQ(d.value.ts, 1'700'000'000'000);
  // Without max_age_s or ts: the cache's own TTL, and the record's time (set by the reader).
  auto bare = decode_request(R"({"correlation_id":"x","symbol":"A","agent":"market_regime"})",
                             outside_limits{}, agents);
  ASSERT_TRUE(bare.ok);
  EXPECT_EQ(bare.value.max_age_ms, -1);
  EXPECT_EQ(bare.value.ts, 0);
  // Round trip.
  auto again = decode_request(encode_request(d.value, "signal_validator"), outside_limits{}, agents);
  ASSERT_TRUE(again.ok) << again.reason;
  EXPECT_EQ(again.value.correlation_id, "desk-42");
  EXPECT_EQ(again.value.max_age_ms, 1500);
  EXPECT_EQ(again.value.text, d.value.text);
  EXPECT_EQ(again.value.ts, d.value.ts);
}

TEST(request_codec, rejects_with_a_code_for_each_fault) {
  const std::vector<std::string> agents{"market_regime"};
  const std::pair<std::string, const char*> rows[] = {
      {"nope", "not_json"},
      {"7", "not_object"},
      {R"({"symbol":"A","agent":"market_regime"})", "missing_field"},
      {R"({"correlation_id":"","symbol":"A","agent":"market_regime"})", "bad_correlation_id"},
      {R"({"correlation_id":"a\nb","symbol":"A","agent":"market_regime"})", "bad_correlation_id"},
      {R"({"correlation_id":")" + std::string(129, 'x') + R"(","symbol":"A","agent":"market_regime"})",
       "bad_correlation_id"},
      {R"({"correlation_id":"c","agent":"market_regime"})", "missing_field"},
      {R"({"correlation_id":"c","symbol":"A B","agent":"market_regime"})", "bad_symbol"},
      {R"({"correlation_id":"c","symbol":"A"})", "missing_field"},
      {R"({"correlation_id":"c","symbol":"A","agent":"oracle"})", "bad_agent"},
      {R"({"correlation_id":"c","symbol":"A","agent":3})", "bad_agent"},
      {R"({"correlation_id":"c","symbol":"A","agent":"market_regime","context":5})", "bad_text"},
      {R"({"correlation_id":"c","symbol":"A","agent":"market_regime","max_age_s":-1})", "bad_max_age"},
      {R"({"correlation_id":"c","symbol":"A","agent":"market_regime","max_age_s":"1m"})", "bad_max_age"},
      {R"({"correlation_id":"c","symbol":"A","agent":"market_regime","ts":1.5})", "bad_ts"},
  };
  for (auto& [json, code] : rows) {
    auto d = decode_request(json, outside_limits{}, agents);
    EXPECT_FALSE(d.ok) << json;
    EXPECT_EQ(d.code, code) << json << " -> " << d.reason;
  }
}
