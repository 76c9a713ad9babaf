#pragma once
// Publishes ticks to the input topic (key = symbol), at full speed or paced on event time.
#include <cstdint>
#include <string>
#include <vector>

#include "kafka/topic_range.hpp"
#include "messages/tick.hpp"

namespace tickgate {

struct publish_result {
  uint64_t sent = 0;
  uint64_t failed = 0;
  double seconds = 0;
};

/// `speed` <= 0: as fast as possible; else event time runs `speed` times faster than real time.
/// `raw` records (already encoded, e.g. deliberately malformed) are sent after the ticks.
publish_result publish_ticks(const std::string& bootstrap, const std::string& topic,
                             const std::vector<tick>& ticks, double speed,
                             const std::string& compression,
                             const std::vector<std::pair<std::string, std::string>>& raw = {});

/// Records already encoded, each to its own partition (-1: by key) with its own timestamp, as
/// fast as possible (a backtest copying a topic range into its private broker).
publish_result publish_records(const std::string& bootstrap, const std::string& topic,
                               const std::vector<range_record>& records,
                               const std::string& compression);

}  // namespace tickgate
