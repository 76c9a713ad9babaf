#include "kafka/embedded_broker.hpp"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <stdexcept>

#include "kafka/kafka_health.hpp"

namespace tickgate {

embedded_broker::embedded_broker(int brokers) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // The mock cluster needs a handle to live in; this one never produces anything.
  if (rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("embedded broker: ") + err);
  }
  install_kafka_callbacks(conf);
  rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk_) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("embedded broker: ") + err);
  }
  cluster_ = rd_kafka_mock_cluster_new(rk_, brokers);
  if (!cluster_) {
    rd_kafka_destroy(rk_);
    throw std::runtime_error("embedded broker: cannot start the mock cluster");
  }
  bootstrap_ = rd_kafka_mock_cluster_bootstraps(cluster_);
}

embedded_broker::~embedded_broker() {
  rd_kafka_mock_cluster_destroy(cluster_);
  rd_kafka_destroy(rk_);
}

void embedded_broker::set_broker_up(int32_t id, bool up) {
  auto e = up ? rd_kafka_mock_broker_set_up(cluster_, id) : rd_kafka_mock_broker_set_down(cluster_, id);
  if (e) throw std::runtime_error(std::string("embedded broker: ") + rd_kafka_err2str(e));
}

void embedded_broker::create_topic(const std::string& name, int partitions) {
  auto e = rd_kafka_mock_topic_create(cluster_, name.c_str(), partitions, 1);
  if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
    throw std::runtime_error("embedded broker: create topic " + name + ": " + rd_kafka_err2str(e));
}

}  // namespace tickgate
