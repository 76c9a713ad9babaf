#pragma once
// A librdkafka group consumer for one owner thread, with partition EOF events, assignment
// callbacks and explicit offset commits (auto-commit is off: the owner decides what is durable).
// Assignment is round-robin (every instance gets work even with few symbols); cooperative-sticky
// (incremental) works too when set in kafka.consumer_properties. A revocation may be answered
// later (release()): the owner first finishes and commits what it has of those partitions.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

struct rd_kafka_s;
struct rd_kafka_message_s;

namespace tickgate {

/// One polled record, or a partition-EOF marker, or nothing.
struct polled_record {
  enum kind_t { none, record, eof, error } kind = none;
  int32_t partition = -1;
  int64_t offset = -1;
  int64_t timestamp_ms = -1;
  std::string key;
  std::string value;
  std::string error_text;
};

/// What librdkafka polled (a message or nullptr), as a polled_record; the message is destroyed.
/// A record or an EOF marks the broker reachable (kafka_health).
polled_record take_polled(rd_kafka_message_s* m);
/// The same into `r`, whose buffers are reused (no allocation per record once they are grown).
void take_polled(rd_kafka_message_s* m, polled_record& r);

/// Owns one rd_kafka_t consumer.
class kafka_consumer {
 public:
  using partitions_fn = std::function<void(const std::vector<int32_t>&)>;
  /// Revocation: return true to release the partitions now, false to call release() later
  /// (within the group's rebalance timeout). `lost`: the group already gave them to another
  /// member (session timed out), nothing of them may be committed.
  using revoke_fn = std::function<bool(const std::vector<int32_t>&, bool lost)>;
  kafka_consumer(const std::string& bootstrap, const std::string& group,
                 const std::map<std::string, std::string>& extra);
  ~kafka_consumer();
  kafka_consumer(const kafka_consumer&) = delete;
  kafka_consumer& operator=(const kafka_consumer&) = delete;

  /// Called (inside poll) after partitions are assigned / before they are revoked.
  void on_assign(partitions_fn fn) { on_assign_ = std::move(fn); }
  void on_revoke(revoke_fn fn) { on_revoke_ = std::move(fn); }
  /// Called (inside poll) before partitions are assigned, with their committed offsets (-1:
  /// none, or not known); returns the partitions that must start elsewhere, with the offset.
  using assigning_fn = std::function<std::map<int32_t, int64_t>(const std::map<int32_t, int64_t>&)>;
  void on_assigning(assigning_fn fn) { on_assigning_ = std::move(fn); }
  /// Result of an asynchronous commit (inside poll): the offsets it carried and "" or the error.
  using commit_fn = std::function<void(const std::map<int32_t, int64_t>&, const std::string&)>;
  void on_commit(commit_fn fn) { on_commit_ = std::move(fn); }
  /// Gives up partitions whose revocation the owner deferred.
  void release(const std::vector<int32_t>& partitions);
  /// Stops / restarts fetching `partitions` (records already fetched are dropped on pause).
  void pause(const std::vector<int32_t>& partitions);
  void resume(const std::vector<int32_t>& partitions);
  /// "COOPERATIVE", "EAGER" or "NONE" (before the first join).
  std::string protocol() const;
  void subscribe(const std::string& topic);
  polled_record poll(int timeout_ms);
  /// The same into `r`, reusing its buffers.
  void poll(int timeout_ms, polled_record& r);
  /// Commits next-offsets-to-read per partition of the subscribed topic.
  bool commit(const std::map<int32_t, int64_t>& next_offsets, bool async, std::string& error) {
    return commit(topic_, next_offsets, async, error);
  }
  /// The same for another topic read alongside (a co-partitioned input read by assignment):
  /// its offsets are the group's too.
  bool commit(const std::string& topic, const std::map<int32_t, int64_t>& next_offsets, bool async,
              std::string& error);
  /// The group's committed next-offsets of `partitions` of `topic` (-1: none). Blocks up to
  /// timeout_ms; throws std::runtime_error when the coordinator does not answer.
  std::map<int32_t, int64_t> committed(const std::string& topic, const std::vector<int32_t>& partitions,
                                       int timeout_ms);
  /// Records between this consumer's position and the high watermark, summed over `partitions`
  /// of the subscribed topic; from librdkafka's cached watermarks (no broker round trip).
  /// Partitions with no position or watermark yet count 0.
  int64_t lag(const std::vector<int32_t>& partitions);
  void close();
  const std::string& topic() const { return topic_; }

  // Implementation detail used by the C rebalance callback.
  void handle_rebalance(int err, void* partitions);
  void handle_commit(int err, void* partitions);

 private:
  rd_kafka_s* rk_ = nullptr;
  std::string topic_;
  partitions_fn on_assign_;
  revoke_fn on_revoke_;
  assigning_fn on_assigning_;
  commit_fn on_commit_;
  bool closed_ = false;
  bool closing_ = false;  // inside close(): revocations are answered at once
};

}  // namespace tickgate
