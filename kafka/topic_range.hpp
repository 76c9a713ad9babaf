#pragma once
// Reading a time range of a topic without joining any consumer group (manual assignment only),
// so a backtest never disturbs live consumers. Offsets come from Kafka's offsetsForTimes; where
// the broker does not implement it (librdkafka's mock cluster) or answers inconsistently, a
// bisection over offsets by record timestamp finds them (timestamps non-decreasing per
// partition, as a replayed feed is).
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace tickgate {

/// Records [begin, end) of one partition.
struct partition_range {
  int32_t partition = 0;
  int64_t begin = 0;
  int64_t end = 0;
};

struct topic_range {
  std::vector<partition_range> partitions;  // every partition of the topic, in order
  std::string method;  // "offsetsForTimes" or "bisect" (with why)
  int64_t records() const {
    int64_t n = 0;
    for (auto& p : partitions) n += p.end - p.begin;
    return n;
  }
};

/// Per partition: the first offset whose record timestamp is >= from_ms, and the first whose
/// timestamp is > to_ms (the high watermark when none). Throws std::runtime_error when the
/// topic does not exist or the broker cannot be reached.
topic_range find_time_range(const std::string& bootstrap, const std::string& topic, int64_t from_ms,
                            int64_t to_ms, const std::map<std::string, std::string>& properties);

/// Every record now in `partitions` of `topic`: [low, high) watermarks. Throws like find_time_range.
topic_range whole_partitions(const std::string& bootstrap, const std::string& topic,
                             const std::vector<int32_t>& partitions,
                             const std::map<std::string, std::string>& properties);

/// Partitions of `topic`, or 0 when it does not exist (never creates it). Throws when the
/// broker cannot be reached.
int32_t count_partitions(const std::string& bootstrap, const std::string& topic,
                         const std::map<std::string, std::string>& properties);

struct range_record {
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp_ms = 0;
  std::string key;
  std::string value;
};

/// Reads every record of `range` (partition by partition, in offset order).
void read_range(const std::string& bootstrap, const std::string& topic, const topic_range& range,
                const std::map<std::string, std::string>& properties,
                const std::function<void(range_record&&)>& on_record);

}  // namespace tickgate
