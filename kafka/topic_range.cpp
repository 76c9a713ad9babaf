#include "kafka/topic_range.hpp"

#include <librdkafka/rdkafka.h>

#include <memory>
#include <stdexcept>
#include <string_view>

#include "kafka/kafka_conf.hpp"

namespace tickgate {
namespace {

constexpr int k_timeout_ms = 10'000;

/// A group-less consumer: assign() only, nothing committed.
struct assigner {
  assigner(const std::string& bootstrap, const std::map<std::string, std::string>& props)
      : rk(make_assign_only_consumer(bootstrap, {{"fetch.wait.max.ms", "10"}},  // a probe wants one record now
                                     props)) {}
  ~assigner() {
    rd_kafka_assign(rk, nullptr);
    rd_kafka_destroy(rk);
  }
  void assign(const std::string& topic, const std::vector<std::pair<int32_t, int64_t>>& at) {
    auto* list = rd_kafka_topic_partition_list_new(static_cast<int>(at.size()));
    for (auto& [p, o] : at) rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = o;
    auto e = rd_kafka_assign(rk, list);
    rd_kafka_topic_partition_list_destroy(list);
    if (e) throw std::runtime_error(std::string("kafka: assign: ") + rd_kafka_err2str(e));
  }
  /// The timestamp of the record at `offset` (or of the next one there is); INT64_MAX at the end.
  int64_t timestamp_at(const std::string& topic, int32_t partition, int64_t offset) {
    assign(topic, {{partition, offset}});
    for (int waited = 0; waited < k_timeout_ms; waited += 100) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
      if (!m) continue;
      std::unique_ptr<rd_kafka_message_t, void (*)(rd_kafka_message_t*)> guard(m, rd_kafka_message_destroy);
      // Anything from an earlier assignment (another partition or offset) is stale.
      if (m->partition != partition || m->offset < offset) continue;
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) return INT64_MAX;
      if (m->err) throw std::runtime_error(std::string("kafka: ") + rd_kafka_message_errstr(m));
      return rd_kafka_message_timestamp(m, nullptr);
    }
    throw std::runtime_error("kafka: no record at " + topic + "/" + std::to_string(partition) +
                             "/" + std::to_string(offset) + " within 10 s");
  }
  rd_kafka_t* rk = nullptr;
};

int32_t partition_count(rd_kafka_t* rk, const std::string& topic) {
  rd_kafka_topic_t* t = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  auto e = rd_kafka_metadata(rk, 0, t, &md, k_timeout_ms);
  rd_kafka_topic_destroy(t);
  if (e) throw std::runtime_error("kafka: metadata of " + topic + ": " + rd_kafka_err2str(e));
  int32_t n = 0;
  rd_kafka_resp_err_t topic_err = RD_KAFKA_RESP_ERR_NO_ERROR;
  if (md->topic_cnt == 1) n = md->topics[0].partition_cnt, topic_err = md->topics[0].err;
  rd_kafka_metadata_destroy(md);
  if (topic_err || n == 0) throw std::runtime_error("kafka: topic " + topic + " does not exist");
  return n;
}

}  // namespace

topic_range find_time_range(const std::string& bootstrap, const std::string& topic, int64_t from_ms,
                            int64_t to_ms, const std::map<std::string, std::string>& properties) {
  assigner c(bootstrap, properties);
  const int32_t n = partition_count(c.rk, topic);
  std::vector<std::pair<int64_t, int64_t>> marks(static_cast<size_t>(n));
  for (int32_t p = 0; p < n; ++p) {
    auto e = rd_kafka_query_watermark_offsets(c.rk, topic.c_str(), p, &marks[static_cast<size_t>(p)].first,
                                              &marks[static_cast<size_t>(p)].second, k_timeout_ms);
    if (e) throw std::runtime_error("kafka: watermarks of " + topic + ": " + rd_kafka_err2str(e));
  }
  // First offset in [lo, hi) whose timestamp is >= target, by bisection.
  auto bisect = [&](int32_t p, int64_t target) {
    auto [lo, hi] = marks[static_cast<size_t>(p)];
    while (lo < hi) {
      const int64_t mid = lo + (hi - lo) / 2;
      if (c.timestamp_at(topic, p, mid) >= target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  // What offsetsForTimes says, or -2 when it cannot answer.
  auto offsets_for_times = [&](int64_t target) {
    std::vector<int64_t> out(static_cast<size_t>(n), -2);
    auto* list = rd_kafka_topic_partition_list_new(n);
    for (int32_t p = 0; p < n; ++p) rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = target;
    if (rd_kafka_offsets_for_times(c.rk, list, k_timeout_ms) == RD_KAFKA_RESP_ERR_NO_ERROR)
      for (int i = 0; i < list->cnt; ++i)
        if (!list->elems[i].err)
          out[static_cast<size_t>(list->elems[i].partition)] =
              list->elems[i].offset < 0 ? marks[static_cast<size_t>(list->elems[i].partition)].second
                                        : list->elems[i].offset;
    rd_kafka_topic_partition_list_destroy(list);
    return out;
  };
  // An answer is trusted when the record there is at or after the target and the one before is not.
  auto consistent = [&](int32_t p, int64_t off, int64_t target) {
    auto [lo, hi] = marks[static_cast<size_t>(p)];
    if (off < lo || off > hi) return false;
    if (off < hi && c.timestamp_at(topic, p, off) < target) return false;
    if (off > lo && c.timestamp_at(topic, p, off - 1) >= target) return false;
    return true;
  };
  topic_range r;
  r.method = "offsetsForTimes";
  const int64_t end_target = to_ms == INT64_MAX ? INT64_MAX : to_ms + 1;
  auto begin = offsets_for_times(from_ms);
  auto end = end_target == INT64_MAX ? std::vector<int64_t>(static_cast<size_t>(n), -2) : offsets_for_times(end_target);
  for (int32_t p = 0; p < n; ++p) {
    const auto i = static_cast<size_t>(p);
    partition_range pr{p, begin[i], end_target == INT64_MAX ? marks[i].second : end[i]};
    if (from_ms == INT64_MIN) pr.begin = marks[i].first;
    const bool begin_ok = from_ms == INT64_MIN || consistent(p, pr.begin, from_ms);
    const bool end_ok = end_target == INT64_MAX || consistent(p, pr.end, end_target);
    if (!begin_ok || !end_ok) {
      r.method = "bisect (the broker's offsetsForTimes answer was missing or inconsistent)";
      if (!begin_ok) pr.begin = bisect(p, from_ms);
      if (!end_ok) pr.end = bisect(p, end_target);
    }
    pr.end = std::max(pr.begin, pr.end);
    r.partitions.push_back(pr);
  }
  return r;
}

topic_range whole_partitions(const std::string& bootstrap, const std::string& topic,
                             const std::vector<int32_t>& partitions,
                             const std::map<std::string, std::string>& properties) {
  assigner c(bootstrap, properties);
  topic_range r;
  r.method = "watermarks";
  for (auto p : partitions) {
    partition_range pr{p, 0, 0};
    auto e = rd_kafka_query_watermark_offsets(c.rk, topic.c_str(), p, &pr.begin, &pr.end, k_timeout_ms);
    if (e) throw std::runtime_error("kafka: watermarks of " + topic + "/" + std::to_string(p) + ": " + rd_kafka_err2str(e));
    r.partitions.push_back(pr);
  }
  return r;
}

int32_t count_partitions(const std::string& bootstrap, const std::string& topic,
                         const std::map<std::string, std::string>& properties) {
  assigner c(bootstrap, properties);
  // Metadata of every topic, not of this one: a request naming a topic that is absent makes a
  // broker with auto-creation on (the embedded one, many real ones) create it, with its default
  // partition count, which is the very question asked.
  const rd_kafka_metadata_t* md = nullptr;
  auto e = rd_kafka_metadata(c.rk, 1, nullptr, &md, k_timeout_ms);
  if (e) throw std::runtime_error("kafka: metadata of " + topic + ": " + rd_kafka_err2str(e));
  int32_t n = 0;
  for (int i = 0; i < md->topic_cnt; ++i)
    if (topic == md->topics[i].topic && !md->topics[i].err) n = md->topics[i].partition_cnt;
  rd_kafka_metadata_destroy(md);
  return n;
}

void read_range(const std::string& bootstrap, const std::string& topic, const topic_range& range,
                const std::map<std::string, std::string>& properties,
                const std::function<void(range_record&&)>& on_record) {
  assigner c(bootstrap, properties);
  for (auto& pr : range.partitions) {
    if (pr.end <= pr.begin) continue;
    c.assign(topic, {{pr.partition, pr.begin}});
    int64_t next = pr.begin;
    int idle_ms = 0;
    while (next < pr.end) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(c.rk, 100);
      if (!m) {
        if ((idle_ms += 100) > k_timeout_ms)
          throw std::runtime_error("kafka: reading " + topic + "/" + std::to_string(pr.partition) +
                                   " stalled at offset " + std::to_string(next));
        continue;
      }
      idle_ms = 0;
      std::unique_ptr<rd_kafka_message_t, void (*)(rd_kafka_message_t*)> guard(m, rd_kafka_message_destroy);
      if (m->partition != pr.partition || m->offset < next) continue;  // stale
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) break;
      if (m->err) throw std::runtime_error(std::string("kafka: ") + rd_kafka_message_errstr(m));
      if (m->offset >= pr.end) break;
      range_record r;
      r.partition = m->partition;
      r.offset = m->offset;
      r.timestamp_ms = rd_kafka_message_timestamp(m, nullptr);
      if (m->key) r.key.assign(static_cast<const char*>(m->key), m->key_len);
      if (m->payload) r.value.assign(static_cast<const char*>(m->payload), m->len);
      next = m->offset + 1;
      on_record(std::move(r));
    }
  }
}

}  // namespace tickgate
