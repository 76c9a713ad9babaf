#pragma once
// Shared pieces of the integration tests: a local HTTP server speaking the exact OpenAI
// chat-completions wire format, a reader for whole topics, real data files, temp dirs.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "actors/pipeline_env.hpp"
#include "kafka/kafka_producer.hpp"

namespace httplib {
class Server;
}

namespace tickgate::testing {

/// What the fake provider does with one request instead of answering it.
struct fault {
  int status = 0;            // != 0: answer with this HTTP status and the provider's error body
  int retry_after_s = -1;    // with a Retry-After header
  int delay_ms = 0;          // injected latency before anything
  bool malformed = false;    // 200 with a body that is not the wire format (and no usage)
  std::string usage;         // 200 with this JSON as `usage` instead of the fixed one; "none": no usage
  size_t pad_bytes = 0;      // 200 with a padding field of this many bytes
  std::string retry_after_raw;  // with status: this exact Retry-After header value
};

/// Plays a provider on 127.0.0.1 in its exact wire format: OpenAI chat completions
/// (POST /v1/chat/completions) or the Anthropic Messages API (POST /v1/messages). Answers every
/// call with one analysis per state in the prompt and a fixed usage (1000 prompt tokens of which
/// 200 cached, 50 output tokens; Anthropic: input 800, cache reads 200; Gemini: prompt 1000 of
/// which 200 cached, 40 candidate and 10 thought tokens), and records what it was
/// sent. Faults can be injected per request.
class fake_openai_server {
 public:
  enum class wire { openai, anthropic, gemini };
  explicit fake_openai_server(wire w = wire::openai);
  ~fake_openai_server();
  std::string base_url() const;  // http://127.0.0.1:PORT/v1
  int requests() const;
  /// How many times each distinct request body was received (a repeat means paying twice).
  std::map<std::string, int> bodies() const;
  std::vector<std::string> authorizations() const;
  /// How many times each distinct request body was answered 200 with usage, i.e. paid for.
  std::map<std::string, int> paid() const;

  /// After `n` more answers, hold every further request until release().
  void hold_after(int n);
  /// Blocks until `k` requests are held; false after `timeout_s` (a failed test, not a hang).
  bool wait_held(int k, int timeout_s);
  /// Held requests are answered 503 without usage (not paid); later ones normally.
  void release();
  /// `f(n)` decides request n (0-based, in arrival order); a default fault answers normally.
  void set_faults(std::function<fault(int)> f);
  /// The most requests it was ever handling at once.
  int max_concurrent() const { return max_concurrent_.load(); }
  /// Anthropic's headers of every request, "name: value" (x-api-key, anthropic-version);
  /// authorizations() has the OpenAI bearer headers.
  std::vector<std::string> key_headers() const;

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mu_;
  std::map<std::string, int> bodies_;
  std::map<std::string, int> paid_;
  std::vector<std::string> auth_;
  std::condition_variable cv_;
  int hold_after_ = -1;  // answers left before holding; -1: never hold
  bool holding_ = false;
  int held_ = 0;
  std::atomic<int> requests_{0};
  std::atomic<int> concurrent_{0};
  std::atomic<int> max_concurrent_{0};
  std::function<fault(int)> faults_;
  std::vector<std::string> key_headers_;
};

/// An alert webhook on 127.0.0.1: records every POST body it accepts; the first `fail_first`
/// requests are answered `fail_status` (to exercise retries).
class webhook_receiver {
 public:
  explicit webhook_receiver(int fail_first = 0, int fail_status = 500);
  ~webhook_receiver();
  std::string url() const;  // http://127.0.0.1:PORT/hooks/alerts?token=...
  int requests() const { return requests_.load(); }
  std::vector<std::string> accepted() const;  // bodies answered 200, in arrival order

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  int fail_first_;
  int fail_status_;
  mutable std::mutex mu_;
  std::vector<std::string> accepted_;
  std::atomic<int> requests_{0};
};

/// One consumed record.
struct record {
  int32_t partition = -1;
  int64_t offset = -1;
  std::string key;
  std::string value;
  kafka_headers headers;
};

/// Every record of `topic`, read from the beginning up to the current end of each partition.
std::vector<record> read_topic(const std::string& bootstrap, const std::string& topic);

/// Committed next offsets of `group` on `topic` per partition (-1: none).
std::map<int32_t, int64_t> committed_offsets(const std::string& bootstrap,
                                             const std::string& group, const std::string& topic,
                                             int partitions);

/// The real trade session: ../shared/data when present (as in CI), else the shipped sample.
std::string real_trades_csv();
/// The BTCUSDT minute bars from ../shared/data, or "" when not present.
std::string real_bars_csv();

std::string temp_dir(const std::string& name);
/// The whole file ("" when it cannot be read).
std::string slurp(const std::string& path);
/// Starts the `tickgate` binary with `args`, stdout and stderr to `log`; -1 on failure.
int spawn_tickgate(const std::vector<std::string>& args, const std::string& log);

/// Polls `done` every 50 ms until it holds (true) or `limit` passes (false): for a condition in
/// other processes or on the broker, where there is no event to wait on.
template <class Fn>
bool poll_until(Fn&& done, std::chrono::seconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

/// What a replay run (--until-eof) of the whole pipeline needs on a test broker: the default
/// config with a data dir and group of its own plus `sets`, a RocksDB store, and an env with
/// the providers the environment allows (none: offline, priced as a dry run).
struct replay_fixture {
  replay_fixture(const std::string& name, const std::string& bootstrap,
                 std::vector<std::string> sets = {});
  std::shared_ptr<const config> cfg;
  std::unique_ptr<kv_store> store;
  stats_registry stats;
  pipeline_env env;
};

}  // namespace tickgate::testing
