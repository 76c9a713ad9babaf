#pragma once
// Builds a librdkafka configuration from ordered property lists; a rejected property throws
// with the property's name and librdkafka's reason, and leaks nothing.
#include <map>
#include <string>
#include <utility>
#include <vector>

struct rd_kafka_conf_s;
struct rd_kafka_s;

namespace tickgate {

/// `defaults` first, then `overrides` (user properties win). Caller owns the result.
rd_kafka_conf_s* make_kafka_conf(const char* client,
                                 const std::vector<std::pair<std::string, std::string>>& defaults,
                                 const std::map<std::string, std::string>& overrides);

/// `properties` without those that belong to a consumer group (group.*, assignment strategy,
/// session, heartbeat, poll interval, offset reset, auto-commit, isolation): for clients that
/// share the connection settings but join no group (the broker probe, the budget reader).
std::map<std::string, std::string> without_group_properties(std::map<std::string, std::string> properties);

/// A consumer that is only ever assigned partitions (joins no group, commits nothing), with
/// partition-EOF events and its queue redirected for rd_kafka_consumer_poll; `extra` after the
/// basics, `properties` last. Caller destroys it. Throws std::runtime_error when it cannot be made.
rd_kafka_s* make_assign_only_consumer(const std::string& bootstrap,
                                      const std::vector<std::pair<std::string, std::string>>& extra,
                                      const std::map<std::string, std::string>& properties);

}  // namespace tickgate
