#include "kafka/kafka_producer.hpp"

#include "kafka/kafka_conf.hpp"
#include "kafka/kafka_health.hpp"

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <stdexcept>

namespace tickgate {
namespace {

void on_delivery_report(rd_kafka_t*, const rd_kafka_message_t* msg, void*) {
  auto* fn = static_cast<kafka_producer::delivery_fn*>(msg->_private);
  if (!fn) return;
  if (*fn) (*fn)(msg->err == RD_KAFKA_RESP_ERR_NO_ERROR, msg->err ? rd_kafka_err2str(msg->err) : "");
  delete fn;
}

}  // namespace

kafka_producer::kafka_producer(const std::string& bootstrap,
                               const std::map<std::string, std::string>& extra) {
  rd_kafka_conf_t* conf = make_kafka_conf(
      "producer", {{"bootstrap.servers", bootstrap}, {"linger.ms", "5"}, {"enable.idempotence", "true"}},
      extra);
  char err[512];
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery_report);
  rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk_) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("kafka producer: ") + err);
  }
}

kafka_producer::~kafka_producer() {
  rd_kafka_flush(rk_, 5000);
  rd_kafka_destroy(rk_);
}

bool kafka_producer::produce(const std::string& topic, const std::string& key, const std::string& value,
                             const kafka_headers& headers, delivery_fn on_delivery,
                             std::string& error, int32_t partition, int64_t timestamp_ms) {
  return produce_value(topic, key, &value, headers, std::move(on_delivery), error, partition, timestamp_ms);
}

bool kafka_producer::produce_tombstone(const std::string& topic, const std::string& key,
                                       delivery_fn on_delivery, std::string& error, int32_t partition) {
  return produce_value(topic, key, nullptr, {}, std::move(on_delivery), error, partition, 0);
}

bool kafka_producer::produce_value(const std::string& topic, const std::string& key,
                                   const std::string* value, const kafka_headers& headers,
                                   delivery_fn on_delivery, std::string& error, int32_t partition,
                                   int64_t timestamp_ms) {
  rd_kafka_headers_t* hdrs = nullptr;
  if (!headers.empty()) {
    hdrs = rd_kafka_headers_new(headers.size());
    for (auto& [k, v] : headers)
      rd_kafka_header_add(hdrs, k.data(), static_cast<ssize_t>(k.size()), v.data(),
                          static_cast<ssize_t>(v.size()));
  }
  auto* opaque = new delivery_fn(std::move(on_delivery));
  // Back-pressure has a deadline too: a queue that stays full this long (the broker is gone
  // and message.timeout.ms has not expired what waits) is an error the caller decides on.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    rd_kafka_resp_err_t e = rd_kafka_producev(
        rk_, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(const_cast<char*>(key.data()), key.size()),
        RD_KAFKA_V_VALUE(value ? const_cast<char*>(value->data()) : nullptr, value ? value->size() : 0),
        RD_KAFKA_V_TIMESTAMP(timestamp_ms), RD_KAFKA_V_HEADERS(hdrs),
        RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR) return true;  // headers now owned by librdkafka
    if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL && std::chrono::steady_clock::now() < give_up) {
      rd_kafka_poll(rk_, 50);  // back-pressure: serve deliveries, then retry
      continue;
    }
    error = rd_kafka_err2str(e);
    if (hdrs) rd_kafka_headers_destroy(hdrs);
    delete opaque;
    return false;
  }
}

void kafka_producer::poll(int timeout_ms) { rd_kafka_poll(rk_, timeout_ms); }

bool kafka_producer::flush(int timeout_ms) {
  return rd_kafka_flush(rk_, timeout_ms) == RD_KAFKA_RESP_ERR_NO_ERROR;
}

int kafka_producer::outq_len() const { return rd_kafka_outq_len(rk_); }

}  // namespace tickgate
