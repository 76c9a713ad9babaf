#include "app/feeds/publisher.hpp"

#include <chrono>
#include <stdexcept>
#include <thread>

#include "kafka/kafka_producer.hpp"
#include "messages/tick_codec.hpp"

namespace tickgate {

namespace {

/// One producer for one publish call: counts deliveries, waits out a full local queue.
class publishing {
 public:
  publishing(const std::string& bootstrap, const std::string& compression)
      : producer_(bootstrap, {{"compression.type", compression}, {"linger.ms", "20"},
                              {"batch.num.messages", "10000"}}),
        start_(std::chrono::steady_clock::now()) {}
  void send(const std::string& topic, const std::string& key, const std::string& value,
            int32_t partition = -1, int64_t timestamp_ms = 0) {
    auto on_delivery = [this](bool good, const std::string&) { (good ? ok_ : failed_)++; };
    std::string err;
    for (int waited = 0; !producer_.produce(topic, key, value, {}, on_delivery, err, partition, timestamp_ms);
         waited += 10) {
      if (waited > 60'000)  // a full queue drains in far less; anything else is an error
        throw std::runtime_error("publish: " + err);
      producer_.poll(10);
    }
  }
  void poll() { producer_.poll(0); }
  std::chrono::steady_clock::time_point start() const { return start_; }
  publish_result finish(const std::string& bootstrap) {
    if (!producer_.flush(60'000)) throw std::runtime_error("publish: timed out flushing to " + bootstrap);
    return {ok_, failed_, std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count()};
  }

 private:
  kafka_producer producer_;
  std::chrono::steady_clock::time_point start_;
  uint64_t ok_ = 0;
  uint64_t failed_ = 0;
};

}  // namespace

publish_result publish_ticks(const std::string& bootstrap, const std::string& topic,
                             const std::vector<tick>& ticks, double speed,
                             const std::string& compression,
                             const std::vector<std::pair<std::string, std::string>>& raw) {
  publishing p(bootstrap, compression);
  const int64_t t0 = ticks.empty() ? 0 : ticks.front().ts;
  for (auto& t : ticks) {
    if (speed > 0) {
      auto due = p.start() + std::chrono::microseconds(
                                 static_cast<int64_t>(static_cast<double>(t.ts - t0) * 1000.0 / speed));
      p.poll();
      std::this_thread::sleep_until(due);  // pacing a live feed, not waiting for a result
    }
    p.send(topic, t.symbol, encode_tick(t), -1, t.ts);
  }
  for (auto& [key, value] : raw) p.send(topic, key, value);
  return p.finish(bootstrap);
}

publish_result publish_records(const std::string& bootstrap, const std::string& topic,
                               const std::vector<range_record>& records,
                               const std::string& compression) {
  publishing p(bootstrap, compression);
  for (auto& r : records) {
    p.send(topic, r.key, r.value, r.partition, r.timestamp_ms);
    p.poll();
  }
  return p.finish(bootstrap);
}

}  // namespace tickgate
