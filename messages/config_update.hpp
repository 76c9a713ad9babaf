#pragma once
// A new configuration version for the decision stages. It enters each shard at its prioritise
// actor and travels down the chain in order with the ticks, so it takes effect at one precise
// point of every partition's stream. The config is immutable and shared, never serialised.
#include <caf/allowed_unsafe_message_type.hpp>

#include <memory>

namespace tickgate {

struct config;  // config/config.hpp: messages depend on nothing above them

struct config_update {
  std::shared_ptr<const config> cfg;
};

}  // namespace tickgate

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tickgate::config_update)
