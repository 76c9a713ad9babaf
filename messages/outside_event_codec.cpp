#include "messages/outside_event_codec.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <optional>

#include "messages/codec_text.hpp"

namespace tickgate {
namespace {

using json = nlohmann::json;

outside_decode_result reject(std::string code, const std::string& detail) {
  outside_decode_result r;
  r.code = std::move(code);
  r.reason = r.code + ": " + detail;
  return r;
}

/// The record as a JSON object, or the rejection (too large, not JSON, not an object).
std::optional<outside_decode_result> parse_object(std::string_view bytes, const outside_limits& lim, json& j) {
  if (bytes.size() > lim.max_bytes)
    return reject("too_large", std::to_string(bytes.size()) + " bytes > limit " +
                                   std::to_string(lim.max_bytes));
  j = json::parse(bytes.begin(), bytes.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return reject("not_json", "value does not parse as JSON");
  if (!j.is_object()) return reject("not_object", "value must be a JSON object");
  return std::nullopt;
}

bool parse_wire_type(const std::string& s, event_type& out) {
  if (s == "signal") {
    out = event_type::strategy_signal;
    return true;
  }
  return parse_event_type(s, out) && is_outside(out) && out != event_type::on_demand;
}

std::string lower(const char* s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return out;
}

}  // namespace

outside_decode_result decode_outside_event(std::string_view bytes, const outside_limits& lim) {
  json j;
  if (auto bad = parse_object(bytes, lim, j)) return std::move(*bad);

  outside_decode_result r;
  auto& e = r.value;
  auto sym = j.find("symbol");
  if (sym == j.end()) return reject("missing_field", "symbol is missing");
  if (!sym->is_string()) return reject("bad_symbol", "symbol must be a string");
  e.symbol = sym->get<std::string>();
  if (e.symbol.empty() || e.symbol.size() > 64)
    return reject("bad_symbol", "symbol must be a non-empty string of at most 64 characters");
  if (!printable_ascii(e.symbol))
    return reject("bad_symbol", "symbol must be printable ASCII without spaces or control characters");

  auto ts = j.find("ts");
  if (ts == j.end()) return reject("missing_field", "ts is missing");
  if (!ts->is_number_integer()) return reject("bad_ts", "ts must be an integer of epoch milliseconds");
  if (ts->is_number_unsigned() ? ts->get<uint64_t>() >= static_cast<uint64_t>(lim.ticks.ts_max)
                               : (ts->get<int64_t>() <= 0 || ts->get<int64_t>() >= lim.ticks.ts_max))
    return reject("bad_ts", "ts must be positive epoch milliseconds before year 2286");
  e.ts = ts->get<int64_t>();
  if (e.ts <= 0) return reject("bad_ts", "ts must be positive epoch milliseconds");

  auto type = j.find("type");
  if (type == j.end()) return reject("missing_field", "type is missing");
  event_type t{};
  if (!type->is_string() || !parse_wire_type(type->get<std::string>(), t))
    return reject("bad_type", "type must be one of signal, position_opened, position_closed, "
                              "earnings, news");
  e.type = static_cast<uint8_t>(t);
  e.prio = static_cast<uint8_t>(priority_of(t));

  if (auto p = j.find("priority"); p != j.end()) {
    priority pr{};
    if (!p->is_string() || !parse_priority(p->get<std::string>(), pr))
      return reject("bad_priority", "priority must be one of low, medium, high, critical");
    e.prio = static_cast<uint8_t>(pr);
    if (e.prio > lim.max_priority) {
      e.prio = lim.max_priority;
      r.capped = true;
    }
  }

  auto text = j.find("text");
  auto headline = j.find("headline");
  if (text != j.end() && headline != j.end())
    return reject("bad_text", "text and headline are the same field: send one");
  if (text == j.end()) text = headline;
  if (text != j.end()) {
    if (!text->is_string()) return reject("bad_text", "text must be a string");
    e.text = text->get<std::string>();
    if (e.text.size() > lim.max_text_bytes)
      return reject("bad_text", "text is " + std::to_string(e.text.size()) + " bytes > limit " +
                                    std::to_string(lim.max_text_bytes));
  }
  if (t == event_type::news && e.text.empty())
    return reject("missing_field", "a news event needs its headline (text)");

  if (auto v = j.find("value"); v != j.end()) {
    if (!v->is_number() || !std::isfinite(v->get<double>()) ||
        std::fabs(v->get<double>()) > 1e15)
      return reject("bad_value", "value must be a finite number within +-1e15");
    e.value = v->get<double>();
  }
  if (auto p = j.find("price"); p != j.end()) {
    if (!p->is_number()) return reject("bad_price", "price must be a number");
    e.price = p->get<double>();
    if (!(e.price >= lim.ticks.price_min && e.price <= lim.ticks.price_max))
      return reject("bad_price", "price " + reason_num(e.price) + " outside [" + reason_num(lim.ticks.price_min) +
                                     ", " + reason_num(lim.ticks.price_max) + "]");
  }
  if (auto s = j.find("source"); s != j.end()) {
    if (!s->is_string() || s->get<std::string>().size() > 64)
      return reject("bad_source", "source must be a string of at most 64 bytes");
    e.source = s->get<std::string>();
  }
  r.ok = true;
  return r;
}

outside_decode_result decode_request(std::string_view bytes, const outside_limits& lim,
                                     const std::vector<std::string>& agents) {
  json j;
  if (auto bad = parse_object(bytes, lim, j)) return std::move(*bad);
  outside_decode_result r;
  auto& e = r.value;
  e.type = static_cast<uint8_t>(event_type::on_demand);
  e.prio = static_cast<uint8_t>(priority_of(event_type::on_demand));

  auto id = j.find("correlation_id");
  if (id == j.end()) return reject("missing_field", "correlation_id is missing");
  if (!id->is_string() || id->get<std::string>().empty() || id->get<std::string>().size() > 128 ||
      !printable_ascii(id->get<std::string>()))
    return reject("bad_correlation_id", "correlation_id must be 1 to 128 printable ASCII characters");
  e.correlation_id = id->get<std::string>();

  auto sym = j.find("symbol");
  if (sym == j.end()) return reject("missing_field", "symbol is missing");
  if (!sym->is_string() || sym->get<std::string>().empty() || sym->get<std::string>().size() > 64 ||
      !printable_ascii(sym->get<std::string>()))
    return reject("bad_symbol", "symbol must be 1 to 64 printable ASCII characters");
  e.symbol = sym->get<std::string>();

  auto agent = j.find("agent");
  if (agent == j.end()) return reject("missing_field", "agent is missing");
  if (!agent->is_string()) return reject("bad_agent", "agent must be a string");
  auto at = std::find(agents.begin(), agents.end(), agent->get<std::string>());
  if (at == agents.end()) {
    std::string names;
    for (auto& a : agents) names += (names.empty() ? "" : ", ") + a;
    return reject("bad_agent", "agent '" + agent->get<std::string>().substr(0, 64) +
                                   "' is not configured (" + names + ")");
  }
  e.agent = static_cast<uint16_t>(at - agents.begin());

  if (auto c = j.find("context"); c != j.end()) {
    if (!c->is_string()) return reject("bad_text", "context must be a string");
    e.text = c->get<std::string>();
    if (e.text.size() > lim.max_text_bytes)
      return reject("bad_text", "context is " + std::to_string(e.text.size()) + " bytes > limit " +
                                    std::to_string(lim.max_text_bytes));
  }
  if (auto m = j.find("max_age_s"); m != j.end()) {
    if (!m->is_number() || !(m->get<double>() >= 0 && m->get<double>() <= 365 * 86'400.0))
      return reject("bad_max_age", "max_age_s must be a number of seconds in [0, 31536000]");
    e.max_age_ms = static_cast<int64_t>(m->get<double>() * 1000);
  }
  if (auto ts = j.find("ts"); ts != j.end()) {
    if (!ts->is_number_integer() || ts->get<int64_t>() <= 0 || ts->get<int64_t>() >= lim.ticks.ts_max)
      return reject("bad_ts", "ts must be an integer of epoch milliseconds");
    e.ts = ts->get<int64_t>();
  }
  r.ok = true;
  return r;
}

std::string encode_request(const outside_event& e, const std::string& agent) {
  json j{{"correlation_id", e.correlation_id}, {"symbol", e.symbol}, {"agent", agent}};
  if (!e.text.empty()) j["context"] = e.text;
  if (e.max_age_ms >= 0) j["max_age_s"] = static_cast<double>(e.max_age_ms) / 1000;
  if (e.ts > 0) j["ts"] = e.ts;
  return j.dump();
}

std::string encode_outside_event(const outside_event& e) {
  const auto t = static_cast<event_type>(e.type);
  json j{{"symbol", e.symbol},
         {"ts", e.ts},
         {"type", t == event_type::strategy_signal ? "signal" : to_string(t)},
         {"priority", lower(to_string(static_cast<priority>(e.prio)))}};
  if (!e.text.empty()) j["text"] = e.text;
  if (present(e.value)) j["value"] = e.value;
  if (present(e.price)) j["price"] = e.price;
  if (!e.source.empty()) j["source"] = e.source;
  return j.dump();
}

}  // namespace tickgate
