#include "kafka/topic_tail.hpp"

#include <librdkafka/rdkafka.h>

#include <spdlog/spdlog.h>

#include <chrono>
#include <set>
#include <stdexcept>

#include "kafka/kafka_conf.hpp"
#include "kafka/topic_range.hpp"

namespace tickgate {

topic_tail::topic_tail(std::string bootstrap, std::string topic,
                       std::map<std::string, std::string> properties, record_fn on_record)
    : bootstrap_(std::move(bootstrap)), topic_(std::move(topic)),
      properties_(without_group_properties(std::move(properties))), on_record_(std::move(on_record)) {
  thread_ = std::thread([this] { run(); });
}

topic_tail::~topic_tail() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

std::string topic_tail::error() const {
  std::lock_guard guard{mu_};
  return error_;
}

void topic_tail::run() {
  rd_kafka_t* rk = nullptr;
  try {
    int32_t partitions = 0;
    // The topic may not exist yet (nothing published): look again until it does.
    while (!stop_ && (partitions = count_partitions(bootstrap_, topic_, properties_)) == 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    if (stop_) return;
    rk = make_assign_only_consumer(bootstrap_, {}, properties_);
    auto* list = rd_kafka_topic_partition_list_new(partitions);
    for (int32_t p = 0; p < partitions; ++p)
      rd_kafka_topic_partition_list_add(list, topic_.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    const auto e = rd_kafka_assign(rk, list);
    rd_kafka_topic_partition_list_destroy(list);
    if (e) throw std::runtime_error(std::string("kafka: assign: ") + rd_kafka_err2str(e));
    std::set<int32_t> at_end;
    while (!stop_) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
      if (!m) continue;
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        at_end.insert(m->partition);
        if (static_cast<int32_t>(at_end.size()) == partitions) caught_up_ = true;
      } else if (!m->err) {
        std::string key(m->key ? static_cast<const char*>(m->key) : "", m->key ? m->key_len : 0);
        std::string value(m->payload ? static_cast<const char*>(m->payload) : "", m->payload ? m->len : 0);
        ++records_;
        on_record_(m->partition, m->offset, key, value);
      }
      rd_kafka_message_destroy(m);
    }
  } catch (const std::exception& e) {
    std::lock_guard guard{mu_};
    error_ = e.what();
    spdlog::error("kafka: reading {} stopped error=\"{}\"", topic_, e.what());
  }
  if (rk) {
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
  }
}

}  // namespace tickgate
