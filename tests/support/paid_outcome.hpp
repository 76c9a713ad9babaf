#pragma once
// A paid LLM request outcome for ledger tests: 800 uncached + 200 cached input tokens, 51 output
// tokens, `cost` pUSD, split over one analysis per symbol the way the gateway apportions it.
#include <string>
#include <vector>

#include "messages/analysis.hpp"

namespace tickgate::testing {

inline request_outcome paid_outcome(const std::string& id, int64_t ts,
                                    const std::vector<std::string>& symbols, picousd cost,
                                    const std::string& agent = "market_regime") {
  request_outcome o;
  o.request_id = id;
  o.agent = agent;
  o.source = "llm";
  o.provider = "openai";
  o.model = "gpt-4o-mini";
  o.event_ts = ts;
  o.input_tokens = 800;
  o.cached_tokens = 200;
  o.output_tokens = 51;
  o.cost = cost;
  const auto n = static_cast<int64_t>(symbols.size());
  for (int64_t i = 0; i < n; ++i) {
    analysis a;
    a.request_id = id;
    a.part = static_cast<int32_t>(i);
    a.parts = static_cast<int32_t>(n);
    a.item.symbol = symbols[static_cast<size_t>(i)];
    a.cost = cost / n + (i < cost % n ? 1 : 0);
    a.output_tokens = 51 / n + (i < 51 % n ? 1 : 0);
    a.cached_tokens = 200 / n;
    o.analyses.push_back(a);
  }
  return o;
}

}  // namespace tickgate::testing
