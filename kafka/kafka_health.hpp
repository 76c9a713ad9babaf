#pragma once
// librdkafka's own voice, in ours: its log lines go through spdlog in the project's
// `component: event key=value` form, each broker's repeated failure logged once per state
// (and then at most once a minute with a count), not once per retry; its error callback feeds
// one process-wide view of whether the brokers are reachable (for /healthz and the alert).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>

struct rd_kafka_conf_s;

namespace tickgate {

/// Installs the log and error callbacks on `conf` (every client tickgate creates).
void install_kafka_callbacks(rd_kafka_conf_s* conf);

/// Wall ms since which some client has reported every broker down; 0 while reachable.
int64_t kafka_down_since_ms();
/// A broker answered a request sent at wall ms `asked_at_ms`: reachable again, unless the
/// outage began after the request was sent. Only a fresh round trip counts: a record from the
/// consumer's prefetch queue or a delivery report polled late may predate the outage.
void kafka_mark_up(int64_t asked_at_ms);
/// The last error a client reported while the brokers were down ("" if none).
std::string kafka_last_error();

/// Asks `bootstrap` for cluster metadata within `timeout_ms`. False with `error` set (one
/// line: the brokers, the time waited, librdkafka's reason) when no broker answered.
bool kafka_reachable(const std::string& bootstrap, int64_t timeout_ms,
                     const std::map<std::string, std::string>& properties, std::string& error);

/// While some client reports every broker down, asks `bootstrap` for cluster metadata every
/// `interval` and marks the brokers up when one answers. librdkafka reports the loss of every
/// broker but not their return, and an idle stream has nothing else to learn it from.
class kafka_recovery_probe {
 public:
  kafka_recovery_probe(std::string bootstrap, std::map<std::string, std::string> properties,
                       std::chrono::milliseconds interval = std::chrono::seconds(1));
  ~kafka_recovery_probe();  // stops and joins (at most one probe's timeout)
  kafka_recovery_probe(const kafka_recovery_probe&) = delete;
  kafka_recovery_probe& operator=(const kafka_recovery_probe&) = delete;
  /// Round trips tried so far (only while down).
  uint64_t attempts() const { return attempts_.load(); }

 private:
  void run();

  const std::string bootstrap_;
  const std::map<std::string, std::string> properties_;
  const std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::atomic<uint64_t> attempts_{0};
  std::thread thread_;
};

/// When the ingest raises and re-arms its outage alert, pure (for tests). One alert per outage:
/// an outage ends only once the brokers have stayed reachable for `settle_ms`, so a client's
/// late "all brokers down" just after a recovery is the same outage, not a second alert.
class kafka_outage_alarm {
 public:
  explicit kafka_outage_alarm(int64_t settle_ms = 10'000) : settle_ms_(settle_ms) {}
  struct step {
    bool raise = false;      // a new outage: alert
    bool recovered = false;  // reachable again (log it)
  };
  step observe(int64_t down_since_ms, int64_t now_ms);

 private:
  int64_t settle_ms_;
  bool in_outage_ = false;
  int64_t up_since_ = -1;  // while in an outage: when the brokers were last seen back, or -1
};

/// The log dedup, pure (for tests): whether a line of `facility` from `broker` at `now_ms`
/// is logged, and how many were suppressed before it. One instance per process.
class kafka_log_dedup {
 public:
  struct decision {
    bool log = false;
    uint64_t suppressed = 0;
  };
  decision observe(const std::string& broker, const std::string& facility, int64_t now_ms);

 private:
  struct state {
    std::string facility;
    int64_t logged_at = 0;
    uint64_t suppressed = 0;
  };
  std::map<std::string, state> brokers_;
};

}  // namespace tickgate
