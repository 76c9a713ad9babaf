#include "kafka/kafka_consumer.hpp"

#include <algorithm>

#include "kafka/kafka_conf.hpp"
#include "kafka/kafka_health.hpp"

#include <librdkafka/rdkafka.h>

#include <spdlog/spdlog.h>

#include <stdexcept>
#include <string_view>

namespace tickgate {
namespace {

void rebalance_trampoline(rd_kafka_t*, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* parts, void* opaque) {
  static_cast<kafka_consumer*>(opaque)->handle_rebalance(static_cast<int>(err), parts);
}

void commit_trampoline(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                       void* opaque) {
  static_cast<kafka_consumer*>(opaque)->handle_commit(static_cast<int>(err), parts);
}

std::vector<int32_t> partition_ids(const rd_kafka_topic_partition_list_t* parts) {
  std::vector<int32_t> out;
  for (int i = 0; i < parts->cnt; ++i) out.push_back(parts->elems[i].partition);
  return out;
}

rd_kafka_topic_partition_list_t* partition_list(const std::string& topic,
                                                const std::vector<int32_t>& partitions) {
  auto* list = rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size()));
  for (auto p : partitions) rd_kafka_topic_partition_list_add(list, topic.c_str(), p);
  return list;
}

bool cooperative(rd_kafka_t* rk) {
  return std::string_view(rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE";
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
                                            {"auto.offset.reset", "earliest"},
                                            {"partition.assignment.strategy", "roundrobin"},
                                            {"session.timeout.ms", "10000"},
                                            {"heartbeat.interval.ms", "2000"},
                                            // librdkafka 2.0 stops fetching once this many
                                            // records wait in its queue (all partitions
                                            // together) and looks again only when its broker
                                            // thread next wakes, up to a second later (2.1
                                            // added fetch.queue.backoff.ms for that). At the
                                            // default 100,000 a backlog's catch-up drained the
                                            // queue in a third of that second and then sat
                                            // idle. 400,000 covers the second at about 400k
                                            // records/s, for about 100 MB of memory (at
                                            // 200,000 the pipeline met that limit again once it
                                            // reached 210k records/s).
                                            {"queued.min.messages", "400000"}},
                                           extra);
  char err[512];
  rd_kafka_conf_set_opaque(conf, this);
  rd_kafka_conf_set_rebalance_cb(conf, rebalance_trampoline);
  rd_kafka_conf_set_offset_commit_cb(conf, commit_trampoline);
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
  auto* list = partition_list(topic_, partitions);
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
  closing_ = true;
  rd_kafka_consumer_close(rk_);
}

std::string kafka_consumer::protocol() const { return rd_kafka_rebalance_protocol(rk_); }

void kafka_consumer::handle_rebalance(int err, void* p) {
  auto* parts = static_cast<rd_kafka_topic_partition_list_t*>(p);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    if (on_assigning_) {
      std::map<int32_t, int64_t> committed;
      auto* copy = rd_kafka_topic_partition_list_copy(parts);
      const auto e = rd_kafka_committed(rk_, copy, 10'000);
      if (e) spdlog::warn("kafka: committed offsets not known error=\"{}\"", rd_kafka_err2str(e));
      for (int i = 0; i < copy->cnt; ++i)
        committed[copy->elems[i].partition] =
            !e && copy->elems[i].err == RD_KAFKA_RESP_ERR_NO_ERROR && copy->elems[i].offset >= 0
                ? copy->elems[i].offset
                : -1;
      rd_kafka_topic_partition_list_destroy(copy);
      const auto starts = on_assigning_(committed);
      for (int i = 0; i < parts->cnt; ++i)
        if (auto it = starts.find(parts->elems[i].partition); it != starts.end())
          parts->elems[i].offset = it->second;
    }
    if (cooperative(rk_)) {
      if (auto* e = rd_kafka_incremental_assign(rk_, parts)) {
        spdlog::error("kafka: incremental assign failed error=\"{}\"", rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
      }
    } else {
      rd_kafka_assign(rk_, parts);
    }
    if (on_assign_) on_assign_(partition_ids(parts));
    return;
  }
  if (err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS)
    spdlog::error("kafka: rebalance error=\"{}\"", rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(err)));
  const bool lost = rd_kafka_assignment_lost(rk_) != 0 || err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS;
  const auto ids = partition_ids(parts);
  const bool now = !on_revoke_ || on_revoke_(ids, lost) || closing_ || lost;
  if (now) release(ids);
}

void kafka_consumer::handle_commit(int err, void* p) {
  if (!on_commit_ || err == RD_KAFKA_RESP_ERR__NO_OFFSET) return;
  auto* parts = static_cast<rd_kafka_topic_partition_list_t*>(p);
  std::map<int32_t, int64_t> offsets;
  std::string error = err ? rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(err)) : "";
  for (int i = 0; parts && i < parts->cnt; ++i) {
    if (topic_ != parts->elems[i].topic) continue;  // a co-partitioned input's: committed in sync
    offsets[parts->elems[i].partition] = parts->elems[i].offset;
    if (error.empty() && parts->elems[i].err) error = rd_kafka_err2str(parts->elems[i].err);
  }
  if (parts && parts->cnt > 0 && offsets.empty()) return;
  on_commit_(offsets, error);
}

void kafka_consumer::release(const std::vector<int32_t>& partitions) {
  if (cooperative(rk_)) {
    auto* list = partition_list(topic_, partitions);
    if (auto* e = rd_kafka_incremental_unassign(rk_, list)) {
      spdlog::error("kafka: incremental unassign failed error=\"{}\"", rd_kafka_error_string(e));
      rd_kafka_error_destroy(e);
    }
    rd_kafka_topic_partition_list_destroy(list);
  } else {
    rd_kafka_assign(rk_, nullptr);  // eager: every revocation is of the whole assignment
  }
}

void kafka_consumer::pause(const std::vector<int32_t>& partitions) {
  if (partitions.empty()) return;
  auto* list = partition_list(topic_, partitions);
  rd_kafka_pause_partitions(rk_, list);
  rd_kafka_topic_partition_list_destroy(list);
}

void kafka_consumer::resume(const std::vector<int32_t>& partitions) {
  if (partitions.empty()) return;
  auto* list = partition_list(topic_, partitions);
  rd_kafka_resume_partitions(rk_, list);
  rd_kafka_topic_partition_list_destroy(list);
}

void kafka_consumer::subscribe(const std::string& topic) {
  topic_ = topic;
  auto* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic.c_str(), RD_KAFKA_PARTITION_UA);
  auto e = rd_kafka_subscribe(rk_, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (e) throw std::runtime_error(std::string("kafka subscribe: ") + rd_kafka_err2str(e));
}

void take_polled(rd_kafka_message_t* m, polled_record& r) {
  r.kind = polled_record::none;
  r.partition = -1, r.offset = -1, r.timestamp_ms = -1;
  r.key.clear(), r.value.clear(), r.error_text.clear();
  if (!m) return;
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
}

polled_record take_polled(rd_kafka_message_t* m) {
  polled_record r;
  take_polled(m, r);
  return r;
}

polled_record kafka_consumer::poll(int timeout_ms) {
  return take_polled(rd_kafka_consumer_poll(rk_, timeout_ms));
}

void kafka_consumer::poll(int timeout_ms, polled_record& r) {
  take_polled(rd_kafka_consumer_poll(rk_, timeout_ms), r);
}

std::map<int32_t, int64_t> kafka_consumer::committed(const std::string& topic,
                                                     const std::vector<int32_t>& partitions,
                                                     int timeout_ms) {
  std::map<int32_t, int64_t> out;
  if (partitions.empty()) return out;
  auto* list = partition_list(topic, partitions);
  const auto e = rd_kafka_committed(rk_, list, timeout_ms);
  for (int i = 0; !e && i < list->cnt; ++i)
    out[list->elems[i].partition] =
        list->elems[i].err == RD_KAFKA_RESP_ERR_NO_ERROR && list->elems[i].offset >= 0
            ? list->elems[i].offset
            : -1;
  rd_kafka_topic_partition_list_destroy(list);
  if (e) throw std::runtime_error("kafka: committed offsets of " + topic + ": " + rd_kafka_err2str(e));
  return out;
}

bool kafka_consumer::commit(const std::string& topic, const std::map<int32_t, int64_t>& next_offsets,
                            bool async, std::string& error) {
  if (next_offsets.empty()) return true;
  auto* list = rd_kafka_topic_partition_list_new(static_cast<int>(next_offsets.size()));
  for (auto& [p, o] : next_offsets)
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = o;
  auto e = rd_kafka_commit(rk_, list, async ? 1 : 0);
  // A synchronous commit can succeed as a request and still fail per partition (e.g. "rebalance
  // in progress"): that is a failed commit too.
  if (!async && (!e || e == RD_KAFKA_RESP_ERR__NO_OFFSET))
    for (int i = 0; i < list->cnt; ++i)
      if (list->elems[i].err) {
        e = list->elems[i].err;
        break;
      }
  rd_kafka_topic_partition_list_destroy(list);
  if (e && e != RD_KAFKA_RESP_ERR__NO_OFFSET) {
    error = rd_kafka_err2str(e);
    return false;
  }
  return true;
}

}  // namespace tickgate
