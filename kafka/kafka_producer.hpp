#pragma once
// A librdkafka producer for one owner thread: produce() queues, poll() runs delivery callbacks.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

struct rd_kafka_s;

namespace tickgate {

using kafka_headers = std::vector<std::pair<std::string, std::string>>;

/// Owns one rd_kafka_t producer. Not thread-safe by design: one actor owns each instance.
class kafka_producer {
 public:
  using delivery_fn = std::function<void(bool ok, const std::string& error)>;
  kafka_producer(const std::string& bootstrap, const std::map<std::string, std::string>& extra);
  ~kafka_producer();
  kafka_producer(const kafka_producer&) = delete;
  kafka_producer& operator=(const kafka_producer&) = delete;

  /// Queues one record (partition -1: by key). `on_delivery` runs inside a later poll()/flush().
  /// Returns false with `error` set when the record could not even be queued.
  bool produce(const std::string& topic, const std::string& key, const std::string& value,
               const kafka_headers& headers, delivery_fn on_delivery, std::string& error,
               int32_t partition = -1, int64_t timestamp_ms = 0);
  /// Queues a record with a null value (a tombstone: compaction removes the key).
  bool produce_tombstone(const std::string& topic, const std::string& key, delivery_fn on_delivery,
                         std::string& error, int32_t partition);
  void poll(int timeout_ms);
  /// Waits until everything queued is delivered or failed; false on timeout.
  bool flush(int timeout_ms);
  int outq_len() const;

 private:
  bool produce_value(const std::string& topic, const std::string& key, const std::string* value,
                     const kafka_headers& headers, delivery_fn on_delivery, std::string& error,
                     int32_t partition, int64_t timestamp_ms);
  rd_kafka_s* rk_ = nullptr;
};

}  // namespace tickgate
