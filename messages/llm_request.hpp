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
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, request_item& x) {
  return f(caf::meta::type_name("request_item"), x.symbol, x.ts, x.partition, x.offset, x.trigger,
           x.prio, x.significance, x.reason, x.snap, x.fingerprint);
}

/// What the decision stages hand to the gateway; routing fields are filled by the budget actor.
struct llm_request {
  std::string request_id;  // deterministic: agent, items, config version
  uint16_t agent = 0;
  uint32_t config_version = 0;
  uint8_t prio = 0;  // highest priority among the items
  std::vector<request_item> items;
  std::string cache_key;
  std::string prompt;    // user prompt, built by the budget actor (it sizes the reservation)
  std::string provider;  // routing, set on grant
  std::string model;
  picousd reserved = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, llm_request& x) {
  return f(caf::meta::type_name("llm_request"), x.request_id, x.agent, x.config_version, x.prio,
           x.items, x.cache_key, x.prompt, x.provider, x.model, x.reserved);
}

/// The cache found nothing: on to the budget actor.
struct cache_miss {
  llm_request req;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cache_miss& x) {
  return f(caf::meta::type_name("cache_miss"), x.req);
}

/// The budget actor reserved the worst case: on to a caller.
struct granted {
  llm_request req;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, granted& x) {
  return f(caf::meta::type_name("granted"), x.req);
}

/// A caller tells the budget actor what a granted request really cost.
struct settle {
  std::string request_id;
  std::string provider;
  std::string model;
  picousd reserved = 0;
  picousd actual = 0;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, settle& x) {
  return f(caf::meta::type_name("settle"), x.request_id, x.provider, x.model, x.reserved,
           x.actual);
}

}  // namespace tickgate
