#include "kafka/kafka_conf.hpp"

#include <librdkafka/rdkafka.h>

#include "kafka/kafka_health.hpp"

#include <stdexcept>

namespace tickgate {

rd_kafka_conf_t* make_kafka_conf(const char* client,
                                 const std::vector<std::pair<std::string, std::string>>& defaults,
                                 const std::map<std::string, std::string>& overrides) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  auto set = [&](const std::string& k, const std::string& v) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      throw std::runtime_error(std::string("kafka ") + client + " config " + k + ": " + err);
    }
  };
  for (auto& [k, v] : defaults) set(k, v);
  for (auto& [k, v] : overrides) set(k, v);
  install_kafka_callbacks(conf);
  return conf;
}

}  // namespace tickgate
