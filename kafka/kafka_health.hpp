#pragma once
// librdkafka's own voice, in ours: its log lines go through spdlog in the project's
// `component: event key=value` form, each broker's repeated failure logged once per state
// (and then at most once a minute with a count), not once per retry; its error callback feeds
// one process-wide view of whether the brokers are reachable (for /healthz and the alert).
#include <cstdint>
#include <map>
#include <string>

struct rd_kafka_conf_s;

namespace tickgate {

/// Installs the log and error callbacks on `conf` (every client tickgate creates).
void install_kafka_callbacks(rd_kafka_conf_s* conf);

/// Wall ms since which some client has reported every broker down; 0 while reachable.
int64_t kafka_down_since_ms();
/// A client heard from a broker (a record, an EOF, a delivery): reachable again.
void kafka_mark_up();
/// The last error a client reported while the brokers were down ("" if none).
std::string kafka_last_error();

/// Asks `bootstrap` for cluster metadata within `timeout_ms`. False with `error` set (one
/// line: the brokers, the time waited, librdkafka's reason) when no broker answered.
bool kafka_reachable(const std::string& bootstrap, int64_t timeout_ms,
                     const std::map<std::string, std::string>& properties, std::string& error);

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
