#pragma once
// An operational alert: something a human running tickgate should hear about. Flat, so it
// travels between actors as-is; `fields_json` carries the figures behind the message.
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>

namespace tickgate {

struct alert {
  std::string kind;         // budget_level | projected_overrun | breaker_open | velocity_stop | dlq_rate
  std::string key;          // deduplication key: kind plus what it is about, e.g. breaker_open/openai/gpt-4o-mini
  std::string severity;     // info | warning | critical
  int64_t ts = 0;           // epoch ms on the source's clock (event time for budget alerts in replays)
  std::string message;      // one line for a human
  std::string fields_json;  // a JSON object of the figures behind it; "{}" when none
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, alert& x) {
  return f(caf::meta::type_name("alert"), x.kind, x.key, x.severity, x.ts, x.message,
           x.fields_json);
}

}  // namespace tickgate
