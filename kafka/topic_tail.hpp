#pragma once
// Reading every partition of a topic from its beginning and on as it grows, without joining a
// consumer group (a global table in Kafka Streams' terms), on a thread of its own.
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace tickgate {

class topic_tail {
 public:
  using record_fn = std::function<void(int32_t partition, int64_t offset, const std::string& key,
                                       const std::string& value)>;
  /// Starts reading at once; `on_record` runs on the tail's thread, in offset order per partition.
  topic_tail(std::string bootstrap, std::string topic, std::map<std::string, std::string> properties,
             record_fn on_record);
  ~topic_tail();  // stops and joins
  topic_tail(const topic_tail&) = delete;
  topic_tail& operator=(const topic_tail&) = delete;
  /// Every partition was read to its end at least once (what was there at start is in).
  bool caught_up() const { return caught_up_.load(); }
  /// Records read so far.
  int64_t records() const { return records_.load(); }
  /// Why the tail stopped reading ("" while it reads).
  std::string error() const;

 private:
  void run();
  std::string bootstrap_, topic_;
  std::map<std::string, std::string> properties_;
  record_fn on_record_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> caught_up_{false};
  std::atomic<int64_t> records_{0};
  mutable std::mutex mu_;
  std::string error_;
  std::thread thread_;
};

}  // namespace tickgate
