#include "kafka/partition_reader.hpp"

#include <librdkafka/rdkafka.h>

#include <stdexcept>

#include "kafka/kafka_conf.hpp"
#include "kafka/kafka_health.hpp"

namespace tickgate {

partition_reader::partition_reader(const std::string& bootstrap, std::string topic,
                                   const std::map<std::string, std::string>& properties)
    : topic_(std::move(topic)) {
  // Side inputs are sparse and a request is waited for: a fetch that finds nothing comes back
  // soon (librdkafka waits 500 ms by default), unless the properties say otherwise.
  rk_ = make_assign_only_consumer(bootstrap, {{"fetch.wait.max.ms", "20"}}, without_group_properties(properties));
}

partition_reader::~partition_reader() {
  rd_kafka_assign(rk_, nullptr);
  rd_kafka_destroy(rk_);
}

void partition_reader::assign(const std::map<int32_t, int64_t>& starts) {
  if (starts.empty()) return;
  auto* list = rd_kafka_topic_partition_list_new(static_cast<int>(starts.size()));
  for (auto& [p, o] : starts) {
    rd_kafka_topic_partition_list_add(list, topic_.c_str(), p)->offset =
        o < 0 ? RD_KAFKA_OFFSET_BEGINNING : o;
    assigned_.insert(p);
  }
  rd_kafka_error_t* e = rd_kafka_incremental_assign(rk_, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (e) {
    const std::string what = rd_kafka_error_string(e);
    rd_kafka_error_destroy(e);
    throw std::runtime_error("kafka: assigning partitions of " + topic_ + ": " + what);
  }
}

void partition_reader::unassign(const std::vector<int32_t>& partitions) {
  auto* list = rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size()));
  for (auto p : partitions)
    if (assigned_.erase(p) > 0) rd_kafka_topic_partition_list_add(list, topic_.c_str(), p);
  if (list->cnt > 0)
    if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk_, list)) rd_kafka_error_destroy(e);
  rd_kafka_topic_partition_list_destroy(list);
}

polled_record partition_reader::poll(int timeout_ms) {
  rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, timeout_ms);
  // Records and EOFs of a partition unassigned meanwhile are not this reader's any more.
  while (m && (m->err == RD_KAFKA_RESP_ERR_NO_ERROR || m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) &&
         assigned_.count(m->partition) == 0) {
    rd_kafka_message_destroy(m);
    m = rd_kafka_consumer_poll(rk_, 0);
  }
  return take_polled(m);
}

}  // namespace tickgate
