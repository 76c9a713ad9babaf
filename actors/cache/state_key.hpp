#pragma once
// The response cache's notion of "the same state" to an agent: a snapshot quantised per agent.
// Each agent lists the features its answer depends on (agents.*.cache_features); each feature
// is put into bands (cache.quantise). Two states in the same bands share an answer; states in
// different bands never do. The bands and the feature list are hashed into a key version, part
// of every key, so a change of them never serves an answer keyed under the old ones. Pure.
#include <cstdint>
#include <string>

#include "config/config.hpp"
#include "messages/llm_request.hpp"

namespace tickgate {

/// The bucket width of a price, in % of price: price_step_vols x the lower edge of the
/// volatility band, within [price_step_min_pct, price_step_max_pct] (the minimum when the
/// volatility is not known yet).
double price_step_pct(const quantise_config& q, double volatility_pct);

/// The quantised state of `s` for an agent keying on `features`, as readable text, e.g.
/// "p0.25:29613|v3|r6|t+1+". Absent values are "na"; the price step is part of the price token.
std::string quantised_state(const quantise_config& q, uint32_t features, const snapshot& s,
                            uint8_t trigger);

/// "q" + 8 hex digits of a hash of the bands and the agent's features.
std::string quantise_version(const quantise_config& q, uint32_t features);

/// The cache key of one item's answer, without the model:
/// agent/prompt_version/key_version/symbol/quantised state.
std::string item_cache_key(const config& cfg, uint16_t agent, const request_item& it);

}  // namespace tickgate
