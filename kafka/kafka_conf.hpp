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

/// `properties` without those that belong to a consumer group (group.*, assignment strategy,
/// session, heartbeat, poll interval, offset reset, auto-commit, isolation): for clients that
/// share the connection settings but join no group (the broker probe, the budget reader).
std::map<std::string, std::string> without_group_properties(std::map<std::string, std::string> properties);

}  // namespace tickgate
