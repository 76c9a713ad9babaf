#pragma once
// Publishes requests for analyses on demand to kafka.topics.requests for the admin API: one
// record at a time (admin threads share it), each waited for until Kafka has it.
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace tickgate {

class kafka_producer;

class request_publisher {
 public:
  request_publisher(const std::string& bootstrap, std::string topic,
                    const std::map<std::string, std::string>& properties);
  ~request_publisher();
  /// True once the record (key = symbol) is in the topic; false with `error` after timeout_ms.
  bool publish(const std::string& key, const std::string& value, int timeout_ms, std::string& error);
  const std::string& topic() const { return topic_; }

 private:
  std::mutex mu_;
  std::string topic_;
  std::unique_ptr<kafka_producer> producer_;
};

}  // namespace tickgate
