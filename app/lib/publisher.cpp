#include "app/lib/publisher.hpp"

#include <chrono>
#include <stdexcept>
#include <thread>

#include "kafka/kafka_producer.hpp"
#include "messages/tick_codec.hpp"

namespace tickgate {

publish_result publish_ticks(const std::string& bootstrap, const std::string& topic,
                             const std::vector<tick>& ticks, double speed,
                             const std::string& compression,
                             const std::vector<std::pair<std::string, std::string>>& raw) {
  publish_result r;
  kafka_producer producer(bootstrap, {{"compression.type", compression}, {"linger.ms", "20"},
                                      {"batch.num.messages", "10000"}});
  auto start = std::chrono::steady_clock::now();
  uint64_t ok = 0, failed = 0;
  auto on_delivery = [&](bool good, const std::string&) { (good ? ok : failed)++; };
  std::string err;
  const int64_t t0 = ticks.empty() ? 0 : ticks.front().ts;
  for (auto& t : ticks) {
    if (speed > 0) {
      auto due = start + std::chrono::microseconds(
                             static_cast<int64_t>(static_cast<double>(t.ts - t0) * 1000.0 / speed));
      producer.poll(0);
      std::this_thread::sleep_until(due);  // pacing a live feed, not waiting for a result
    }
    if (!producer.produce(topic, t.symbol, encode_tick(t), {}, on_delivery, err, -1, t.ts))
      throw std::runtime_error("publish: " + err);
  }
  for (auto& [key, value] : raw)
    if (!producer.produce(topic, key, value, {}, on_delivery, err))
      throw std::runtime_error("publish: " + err);
  if (!producer.flush(60'000)) throw std::runtime_error("publish: timed out flushing to " + bootstrap);
  r.sent = ok;
  r.failed = failed;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace tickgate
