#pragma once
// A blocking HTTP POST over libcurl for one owner thread (an LLM caller actor); the handle is
// reused so connections stay alive between calls.
#include <cstdint>
#include <string>
#include <vector>

namespace tickgate {

struct http_response {
  long status = 0;          // 0: no response (network error or timeout)
  std::string body;
  std::string error;        // curl's error text when status == 0
  bool timed_out = false;
  int64_t retry_after_ms = -1;  // from a Retry-After header (seconds form)
  int64_t latency_us = 0;
};

/// Worth trying again: no response (network error, timeout), 408, 429 or a 5xx.
inline bool retryable_status(long status) {
  return status == 0 || status == 408 || status == 429 || status >= 500;
}

/// Retry-After in its seconds form ("2", "1.5") as milliseconds; -1 when absent, negative, not
/// finite or not a number (the HTTP-date form is ignored: backoff applies); at most a day.
int64_t parse_retry_after_ms(const std::string& value);

/// Owns one CURL easy handle. The Authorization header is never logged or echoed in errors.
/// A response body larger than `max_body_bytes` is not read further: the call fails.
class http_client {
 public:
  explicit http_client(size_t max_body_bytes = 1 << 20);
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;
  http_response post_json(const std::string& url, const std::vector<std::string>& headers,
                          const std::string& body, int timeout_ms);
  http_response get(const std::string& url, const std::vector<std::string>& headers, int timeout_ms);

 private:
  void* curl_ = nullptr;
  size_t max_body_bytes_;
};

}  // namespace tickgate
