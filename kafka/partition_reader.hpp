#pragma once
// Reads chosen partitions of one topic from chosen offsets, joining no group: the ingest's
// reader of market.events, whose partitions follow the group's assignment of market.ticks
// (co-partitioned topics). Its offsets are committed by the group consumer; it commits nothing.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "kafka/kafka_consumer.hpp"

struct rd_kafka_s;

namespace tickgate {

class partition_reader {
 public:
  partition_reader(const std::string& bootstrap, std::string topic,
                   const std::map<std::string, std::string>& properties);
  ~partition_reader();
  partition_reader(const partition_reader&) = delete;
  partition_reader& operator=(const partition_reader&) = delete;

  /// Adds partitions, each from its offset (< 0: from the beginning).
  void assign(const std::map<int32_t, int64_t>& starts);
  /// Stops reading partitions; records of them not yet polled are dropped.
  void unassign(const std::vector<int32_t>& partitions);
  /// A record, a partition-EOF marker (the partition is read to its end), an error, or none.
  polled_record poll(int timeout_ms);
  const std::string& topic() const { return topic_; }
  const std::set<int32_t>& assigned() const { return assigned_; }

 private:
  rd_kafka_s* rk_ = nullptr;
  std::string topic_;
  std::set<int32_t> assigned_;
};

}  // namespace tickgate
