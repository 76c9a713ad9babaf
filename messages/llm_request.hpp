#pragma once
// A request for one agent's analysis, covering one event or a batch of LOW events.
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "common/money.hpp"
#include "messages/market_event.hpp"

namespace tickgate {

/// One event a request covers; a batched request has several, a direct one exactly one.
struct request_item {
  std::string symbol;
  int64_t ts = 0;
  int32_t partition = -1;
  int64_t offset = -1;
  uint8_t trigger = 0;  // event_type
  uint8_t prio = 0;     // priority
  double significance = 0;
  std::string reason;
  snapshot snap;
  std::string fingerprint;  // SHA-256 of the rounded state
  std::string detail;       // an outside event's text (headline, signal detail), for the prompt
  std::string correlation_id;  // on_demand: the caller's id, on its analysis
  int64_t max_age_ms = -1;     // on_demand: how old a cached answer may be (-1: its TTL)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, request_item& x) {
  return f(caf::meta::type_name("request_item"), x.symbol, x.ts, x.partition, x.offset, x.trigger,
           x.prio, x.significance, x.reason, x.snap, x.fingerprint, x.detail,
           x.correlation_id, x.max_age_ms);
}

/// What the decision stages hand to the gateway; routing fields are filled by the gateway.
struct llm_request {
  std::string request_id;  // deterministic: agent, items, config version
  uint16_t agent = 0;
  uint32_t config_version = 0;
  uint8_t prio = 0;  // highest priority among the items
  std::vector<request_item> items;
  std::string cache_key;
  std::string prompt;    // user prompt, built by the gateway (it sizes the reservation)
  std::string provider;  // routing, set per attempt
  std::string model;
  picousd reserved = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, llm_request& x) {
  return f(caf::meta::type_name("llm_request"), x.request_id, x.agent, x.config_version, x.prio,
           x.items, x.cache_key, x.prompt, x.provider, x.model, x.reserved);
}

/// Event time of a request: that of its latest item.
inline int64_t last_item_ts(const llm_request& r) {
  int64_t ts = 0;
  for (auto& it : r.items) ts = it.ts > ts ? it.ts : ts;
  return ts;
}

/// The cache found nothing: on to the gateway.
struct cache_miss {
  llm_request req;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cache_miss& x) {
  return f(caf::meta::type_name("cache_miss"), x.req);
}

/// The gateway reserved the worst case and chose a route (req.provider, req.model): one
/// attempt for a caller.
struct granted {
  llm_request req;
  uint64_t handle = 0;  // the gateway's id of the request
  int32_t caller = 0;   // which caller, so the gateway knows it is free again
  int32_t attempt = 1;  // 1-based over the request's life (retries and fallbacks)
  picousd reserved = 0;  // the worst case reserved for it: what a call with no usable usage is charged
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, granted& x) {
  return f(caf::meta::type_name("granted"), x.req, x.handle, x.caller, x.attempt, x.reserved);
}

/// A caller tells the gateway how an attempt ended (attempt_end) and what it cost. For an
/// answer (paid or not usable) the caller has already written it ahead and sent it to the sink.
struct attempt_done {
  uint64_t handle = 0;
  int32_t caller = 0;
  uint8_t end = 0;  // attempt_end
  picousd actual = 0;
  int64_t retry_after_ms = -1;
  int64_t latency_us = 0;
  int32_t status = 0;  // HTTP status; 0: none (network error, timeout)
  std::string error;   // never contains a secret
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, attempt_done& x) {
  return f(caf::meta::type_name("attempt_done"), x.handle, x.caller, x.end, x.actual,
           x.retry_after_ms, x.latency_us, x.status, x.error);
}

}  // namespace tickgate
