#pragma once
// An in-process Kafka-protocol broker on 127.0.0.1 (librdkafka's mock cluster): the embedded
// default of `tickgate run`, the `tickgate broker` command and the test broker.
#include <cstdint>
#include <string>
#include <vector>

struct rd_kafka_s;
struct rd_kafka_mock_cluster_s;

namespace tickgate {

/// Owns the mock cluster and the handle it lives in; stops when destroyed.
class embedded_broker {
 public:
  explicit embedded_broker(int brokers = 1);
  ~embedded_broker();
  embedded_broker(const embedded_broker&) = delete;
  embedded_broker& operator=(const embedded_broker&) = delete;

  /// Creates a topic with `partitions` partitions (replication 1).
  void create_topic(const std::string& name, int partitions);
  const std::string& bootstrap() const { return bootstrap_; }
  /// Takes broker `id` (1-based) down or brings it back: connections to it fail meanwhile.
  void set_broker_up(int32_t id, bool up);

 private:
  rd_kafka_s* rk_ = nullptr;
  rd_kafka_mock_cluster_s* cluster_ = nullptr;
  std::string bootstrap_;
};

}  // namespace tickgate
