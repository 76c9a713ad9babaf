#include "kafka/kafka_consumer.hpp"

#include <algorithm>

#include "kafka/kafka_conf.hpp"
#include "kafka/kafka_health.hpp"

#include <librdkafka/rdkafka.h>

#include <stdexcept>

namespace tickgate {
namespace {

void rebalance_trampoline(rd_kafka_t*, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* parts, void* opaque) {
  static_cast<kafka_consumer*>(opaque)->handle_rebalance(static_cast<int>(err), parts);
}

std::vector<int32_t> partition_ids(const rd_kafka_topic_partition_list_t* parts) {
  std::vector<int32_t> out;
  for (int i = 0; i < parts->cnt; ++i) out.push_back(parts->elems[i].partition);
  return out;
}

}  // namespace

kafka_consumer::kafka_consumer(const std::string& bootstrap, const std::string& group,
                               const std::map<std::string, std::string>& extra) {
  rd_kafka_conf_t* conf = make_kafka_conf("consumer",
                                           {{"bootstrap.servers", bootstrap},
                                            {"group.id", group},
                                            {"enable.auto.commit", "false"},
                                            {"enable.auto.offset.store", "false"},
                                            {"enable.partition.eof", "true"},
                                            {"auto.offset.reset", "earliest"}},
                                           extra);
  char err[512];
  rd_kafka_conf_set_opaque(conf, this);
  rd_kafka_conf_set_rebalance_cb(conf, rebalance_trampoline);
  rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!rk_) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("kafka consumer: ") + err);
  }
  rd_kafka_poll_set_consumer(rk_);
}

kafka_consumer::~kafka_consumer() {
  close();
  rd_kafka_destroy(rk_);
}

int64_t kafka_consumer::lag(const std::vector<int32_t>& partitions) {
  if (partitions.empty()) return 0;
  auto* list = rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size()));
  for (auto p : partitions) rd_kafka_topic_partition_list_add(list, topic_.c_str(), p);
  int64_t total = 0;
  if (rd_kafka_position(rk_, list) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (int i = 0; i < list->cnt; ++i) {
      const auto& e = list->elems[i];
      int64_t low = -1, high = -1;
      if (e.offset < 0 ||
          rd_kafka_get_watermark_offsets(rk_, topic_.c_str(), e.partition, &low, &high) !=
              RD_KAFKA_RESP_ERR_NO_ERROR ||
          high < 0)
        continue;
      total += std::max<int64_t>(0, high - e.offset);
    }
  }
  rd_kafka_topic_partition_list_destroy(list);
  return total;
}

void kafka_consumer::close() {
  if (closed_) return;
  closed_ = true;
  rd_kafka_consumer_close(rk_);
}

void kafka_consumer::handle_rebalance(int err, void* p) {
  auto* parts = static_cast<rd_kafka_topic_partition_list_t*>(p);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    rd_kafka_assign(rk_, parts);
    if (on_assign_) on_assign_(partition_ids(parts));
  } else {
    if (on_revoke_) on_revoke_(partition_ids(parts));
    rd_kafka_assign(rk_, nullptr);
  }
}

void kafka_consumer::subscribe(const std::string& topic) {
  topic_ = topic;
  auto* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic.c_str(), RD_KAFKA_PARTITION_UA);
  auto e = rd_kafka_subscribe(rk_, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (e) throw std::runtime_error(std::string("kafka subscribe: ") + rd_kafka_err2str(e));
}

polled_record kafka_consumer::poll(int timeout_ms) {
  polled_record r;
  rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, timeout_ms);
  if (!m) return r;
  if (!m->err || m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) kafka_mark_up();
  r.partition = m->partition;
  r.offset = m->offset;
  if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
    r.kind = polled_record::eof;
  } else if (m->err) {
    r.kind = polled_record::error;
    r.error_text = rd_kafka_message_errstr(m);
  } else {
    r.kind = polled_record::record;
    if (m->key) r.key.assign(static_cast<const char*>(m->key), m->key_len);
    if (m->payload) r.value.assign(static_cast<const char*>(m->payload), m->len);
    rd_kafka_timestamp_type_t tstype;
    r.timestamp_ms = rd_kafka_message_timestamp(m, &tstype);
  }
  rd_kafka_message_destroy(m);
  return r;
}

bool kafka_consumer::commit(const std::map<int32_t, int64_t>& next_offsets, bool async,
                            std::string& error) {
  if (next_offsets.empty()) return true;
  auto* list = rd_kafka_topic_partition_list_new(static_cast<int>(next_offsets.size()));
  for (auto& [p, o] : next_offsets)
    rd_kafka_topic_partition_list_add(list, topic_.c_str(), p)->offset = o;
  auto e = rd_kafka_commit(rk_, list, async ? 1 : 0);
  rd_kafka_topic_partition_list_destroy(list);
  if (e && e != RD_KAFKA_RESP_ERR__NO_OFFSET) {
    error = rd_kafka_err2str(e);
    return false;
  }
  return true;
}

}  // namespace tickgate
