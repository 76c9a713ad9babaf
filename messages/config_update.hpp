#pragma once
// A new configuration version for the decision stages. It enters each shard at its prioritise
// actor and travels down the chain in order with the ticks, so it takes effect at one precise
// point of every partition's stream. The config is immutable and shared, never serialised.
#include <caf/allowed_unsafe_message_type.hpp>

#include <memory>

#include "config/config.hpp"

namespace tickgate {

struct config_update {
  std::shared_ptr<const config> cfg;
};

}  // namespace tickgate

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tickgate::config_update)
