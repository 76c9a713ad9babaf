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

std::map<std::string, std::string> without_group_properties(std::map<std::string, std::string> props) {
  for (auto it = props.begin(); it != props.end();) {
    const auto& k = it->first;
    if (k.rfind("group.", 0) == 0 || k.rfind("enable.auto.", 0) == 0 ||
        k == "partition.assignment.strategy" || k == "session.timeout.ms" ||
        k == "heartbeat.interval.ms" || k == "max.poll.interval.ms" ||
        k == "auto.offset.reset" || k == "isolation.level")
      it = props.erase(it);
    else
      ++it;
  }
  return props;
}

rd_kafka_t* make_assign_only_consumer(const std::string& bootstrap,
                                      const std::vector<std::pair<std::string, std::string>>& extra,
                                      const std::map<std::string, std::string>& properties) {
  std::vector<std::pair<std::string, std::string>> defaults{
      {"bootstrap.servers", bootstrap},
      {"group.id", "tickgate-assign-only"},  // required by assign(); never joined or committed
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"enable.partition.eof", "true"}};
  defaults.insert(defaults.end(), extra.begin(), extra.end());
  rd_kafka_conf_t* conf = make_kafka_conf("consumer", defaults, properties);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("kafka: ") + err);
  }
  rd_kafka_poll_set_consumer(rk);
  return rk;
}

}  // namespace tickgate
