#pragma once
// The cluster budget's Kafka edge: lease records go to partition 0 of the sequencer topic, and
// every record of that partition is read back in log order, from the beginning, on a thread of
// its own, and handed to a callback (the gateway actor applies them to its lease_sequence and
// lease_book). Kafka's log order is the one order every instance agrees on.
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <vector>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "actors/budget/budget_lease.hpp"
#include "actors/budget/lease_codec.hpp"

struct rd_kafka_s;

namespace tickgate {

class kafka_producer;

class budget_sequencer {
 public:
  /// Called on the reader thread for each record, in log order (the raw value).
  using record_fn = std::function<void(std::string value)>;
  budget_sequencer(const std::string& bootstrap, std::string topic,
                   const std::map<std::string, std::string>& consumer_props,
                   const std::map<std::string, std::string>& producer_props);
  ~budget_sequencer();
  budget_sequencer(const budget_sequencer&) = delete;
  budget_sequencer& operator=(const budget_sequencer&) = delete;

  /// Starts reading from the beginning of partition 0; records are kept until set_target().
  void start();
  /// Where records go from now on (those read before come first, in order).
  void set_target(record_fn fn);
  /// Waits until the reader has reached the end of the log as it was when it started (the
  /// state every grant builds on); false after `timeout_ms`.
  bool wait_caught_up(int timeout_ms);
  /// Queues one record; false with `error` when it could not even be queued.
  bool publish(const lease_record& r, std::string& error);
  /// Serves delivery reports (failures are logged: an acquire that never lands times out).
  void poll();
  /// Waits for everything queued, at most `timeout_ms`.
  bool flush(int timeout_ms);

 private:
  void run();
  std::string topic_;
  std::unique_ptr<kafka_producer> producer_;
  rd_kafka_s* consumer_ = nullptr;
  std::mutex mu_;
  std::condition_variable caught_up_cv_;
  bool caught_up_ = false;
  record_fn fn_;                     // guarded by mu_
  std::vector<std::string> pending_;  // read before a target was set; guarded by mu_
  std::atomic<bool> stop_{false};
  std::thread reader_;
};

}  // namespace tickgate
