#pragma once
// Builds a librdkafka configuration from ordered property lists; a rejected property throws
// with the property's name and librdkafka's reason, and leaks nothing.
#include <map>
#include <string>
#include <utility>
#include <vector>

struct rd_kafka_conf_s;

namespace tickgate {

/// `defaults` first, then `overrides` (user properties win). Caller owns the result.
rd_kafka_conf_s* make_kafka_conf(const char* client,
                                 const std::vector<std::pair<std::string, std::string>>& defaults,
                                 const std::map<std::string, std::string>& overrides);

}  // namespace tickgate
