#include "actors/sink/records.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>

#include "actors/llm/outcome.hpp"
#include "common/json_writer.hpp"
#include "messages/verdict_reason.hpp"

namespace tickgate {

using json = nlohmann::json;

std::string analysis_key(const std::string& request_id, int32_t part) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "/%03d", part);
  return request_id + buf;
}

std::string encode_analysis(const analysis& a) {
  auto result = json::parse(a.result_json, nullptr, false);
  if (result.is_discarded()) result = a.result_json;
  json j{{"symbol", a.item.symbol},
         {"agent", a.agent},
         {"ts", a.item.ts},
         {"request_id", a.request_id},
         {"part", a.part},
         {"parts", a.parts},
         {"trigger",
          {{"event", to_string(static_cast<event_type>(a.item.trigger))},
           {"priority", to_string(static_cast<priority>(a.item.prio))},
           {"significance", a.item.significance},
           {"reason", a.item.reason}}},
         {"source", a.source},
         {"provider", a.provider},
         {"model", a.model},
         {"result", std::move(result)},
         {"usage",
          {{"input", a.input_tokens}, {"output", a.output_tokens}, {"cached", a.cached_tokens}}},
         {"cost_usd", pico_to_usd(a.cost)},
         {"fingerprint", a.item.fingerprint},
         {"price", a.item.snap.price},
         {"config_version", a.config_version},
         {"source_offset",
          {{"input", to_string(input_of(a.item.partition))},
           {"partition", source_partition(a.item.partition)},
           {"offset", a.item.offset}}}};
  // An analysis of an outside event carries the event's words.
  if (!a.item.detail.empty()) j["trigger"]["detail"] = a.item.detail;
  // An analysis asked for on ai.requests carries the caller's id.
  if (!a.item.correlation_id.empty()) j["correlation_id"] = a.item.correlation_id;
  return j.dump();
}

std::string encode_ledger(const request_outcome& o) {
  std::string out;
  out.reserve(512);
  json_writer j(out);
  j.begin_object()
      .field("request_id", std::string_view(o.request_id))
      .field("agent", std::string_view(o.agent))
      .field("source", std::string_view(o.source))
      .field("provider", std::string_view(o.provider))
      .field("model", std::string_view(o.model))
      .field("event_ts", o.event_ts)
      .field("wall_ms", o.wall_ms);
  j.key("tokens")
      .begin_object()
      .field("input", o.input_tokens)
      .field("cached", o.cached_tokens)
      .field("cache_write", o.cache_write_tokens)
      .field("output", o.output_tokens)
      .end_object();
  j.field("cost_usd", pico_to_usd(o.cost))
      .field("cost_picousd", o.cost)
      .field("would_cost_usd", pico_to_usd(o.would_cost))
      .field("would_cost_picousd", o.would_cost)
      .field("avoided_usd", pico_to_usd(o.avoided))
      .field("latency_ms", static_cast<double>(o.latency_us) / 1000.0)
      .field("attempts", o.attempts)
      .field("items", static_cast<int64_t>(o.analyses.size()));
  j.key("symbols").begin_array();
  for (auto& a : o.analyses) j.value(std::string_view(a.item.symbol));
  j.end_array();
  if (o.would_cost > 0)
    j.key("would_tokens")
        .begin_object()
        .field("input", o.would_input_tokens)
        .field("output", o.would_output_tokens)
        .end_object();
  if (o.prompt_bytes > 0) j.field("prompt_bytes", o.prompt_bytes);
  if (!o.error.empty()) j.field("error", std::string_view(o.error));
  j.end_object();
  return out;
}

bool decode_ledger(std::string_view text, ledger_row& r) {
  auto j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  r.request_id = j.value("request_id", "");
  r.agent = j.value("agent", "");
  r.source = j.value("source", "");
  r.error = j.value("error", "");
  r.provider = j.value("provider", "");
  r.model = j.value("model", "");
  r.event_ts = j.value("event_ts", int64_t{0});
  r.cost = j.value("cost_picousd", int64_t{0});
  r.would_cost = j.value("would_cost_picousd", int64_t{0});
  const auto t = j.value("tokens", json::object());
  const auto w = j.value("would_tokens", json::object());
  r.input_tokens = t.value("input", int64_t{0}) + t.value("cached", int64_t{0}) + w.value("input", int64_t{0});
  r.output_tokens = t.value("output", int64_t{0}) + w.value("output", int64_t{0});
  r.items = j.value("items", int64_t{0});
  r.avoided = std::llround(j.value("avoided_usd", 0.0) * 1e12);
  return true;
}

bool outcome_from_ledger(std::string_view text, request_outcome& o) {
  auto j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("request_id") || !j["request_id"].is_string() ||
      j["request_id"].get<std::string>().empty())
    return false;
  try {
    o = request_outcome{};
    o.request_id = j["request_id"].get<std::string>();
    o.agent = j.value("agent", "");
    o.source = j.value("source", "");
    o.provider = j.value("provider", "");
    o.model = j.value("model", "");
    o.error = j.value("error", "");
    o.event_ts = j.value("event_ts", int64_t{0});
    o.wall_ms = j.value("wall_ms", int64_t{0});
    const auto t = j.value("tokens", json::object());
    o.input_tokens = t.value("input", int64_t{0});
    o.cached_tokens = t.value("cached", int64_t{0});
    o.cache_write_tokens = t.value("cache_write", int64_t{0});
    o.output_tokens = t.value("output", int64_t{0});
    const auto w = j.value("would_tokens", json::object());
    o.would_input_tokens = w.value("input", int64_t{0});
    o.would_output_tokens = w.value("output", int64_t{0});
    o.cost = j.value("cost_picousd", int64_t{0});
    o.would_cost = j.value("would_cost_picousd", int64_t{0});
    o.avoided = std::llround(j.value("avoided_usd", 0.0) * 1e12);
    o.prompt_bytes = j.value("prompt_bytes", int64_t{0});
    o.attempts = j.value("attempts", 0);
    const auto symbols = j.value("symbols", json::array());
    const size_t n = symbols.size();
    for (size_t i = 0; i < n; ++i) {
      analysis a;
      a.request_id = o.request_id;
      a.part = static_cast<int32_t>(i);
      a.item.symbol = symbols[i].get<std::string>();
      a.cost = share_of(o.cost, n, i);
      a.cached_tokens = share_of(o.cached_tokens, n, i);
      a.output_tokens = share_of(o.output_tokens, n, i);
      o.analyses.push_back(std::move(a));
    }
  } catch (const json::exception&) {
    return false;  // a field of the wrong type
  }
  return true;
}

std::string encode_decision(const tick_work& w, const agent_verdict& v, const std::string& agent) {
  std::string out;
  out.reserve(384);
  json_writer j(out);
  j.begin_object()
      .field("symbol", std::string_view(w.t.symbol))
      .field("ts", w.t.ts)
      .field("offset", w.t.offset);
  if (is_event_partition(w.t.partition)) j.field("input", to_string(input_of(w.t.partition)));
  j.field("agent", std::string_view(agent))
      .field("action", to_string(static_cast<action>(v.act)))
      .field("reason", std::string_view(reason_text(v)))
      .field("trigger", to_string(static_cast<event_type>(v.trigger)))
      .field("priority", to_string(static_cast<priority>(v.prio)))
      .field("changed", v.changed)
      .field("significance", v.significance)
      .field("change_pct", std::round(v.change_pct * 1e4) / 1e4);
  j.key("events").begin_array();
  for (auto& e : w.events) j.value(to_string(static_cast<event_type>(e.type)));
  j.end_array()
      .field("price", w.t.price)
      .field("volatility_pct", w.snap.volatility_pct)
      .field("config_version", w.config_version)
      .end_object();
  return out;
}

}  // namespace tickgate
