#include "app/admin/request_publisher.hpp"

#include <chrono>

#include "kafka/kafka_producer.hpp"

namespace tickgate {

request_publisher::request_publisher(const std::string& bootstrap, std::string topic,
                                     const std::map<std::string, std::string>& properties)
    : topic_(std::move(topic)) {
  auto props = properties;
  props.emplace("linger.ms", "0");  // one record, waited for: no batching delay
  producer_ = std::make_unique<kafka_producer>(bootstrap, props);
}

request_publisher::~request_publisher() = default;

bool request_publisher::publish(const std::string& key, const std::string& value, int timeout_ms,
                                std::string& error) {
  std::lock_guard guard{mu_};
  int state = 0;  // 0 pending, 1 delivered, 2 failed
  std::string why;
  auto on_delivery = [&](bool ok, const std::string& e) {
    state = ok ? 1 : 2;
    why = e;
  };
  if (!producer_->produce(topic_, key, value, {}, on_delivery, error)) return false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (state == 0 && std::chrono::steady_clock::now() < deadline) producer_->poll(10);
  if (state == 1) return true;
  // Not delivered in time: it may still go out, and then it is answered like any other.
  error = state == 2 ? why : "not delivered within " + std::to_string(timeout_ms) + " ms";
  return false;
}

}  // namespace tickgate
