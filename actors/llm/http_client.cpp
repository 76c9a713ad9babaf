#include "actors/llm/http_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace tickgate {
namespace {

struct body_sink {
  std::string* body;
  size_t cap;
  bool too_large = false;
};

size_t on_body(char* data, size_t size, size_t n, void* out) {
  auto* sink = static_cast<body_sink*>(out);
  if (sink->body->size() + size * n > sink->cap) {
    sink->too_large = true;
    return 0;  // curl stops with CURLE_WRITE_ERROR
  }
  sink->body->append(data, size * n);
  return size * n;
}

size_t on_header(char* data, size_t size, size_t n, void* out) {
  std::string line(data, size * n);
  const char* name = "retry-after:";
  if (line.size() > std::strlen(name) && strncasecmp(line.c_str(), name, std::strlen(name)) == 0)
    *static_cast<int64_t*>(out) = parse_retry_after_ms(line.substr(std::strlen(name)));
  return size * n;
}

}  // namespace

int64_t parse_retry_after_ms(const std::string& value) {
  const char* p = value.c_str();
  while (*p == ' ' || *p == '\t') ++p;
  char* end = nullptr;
  const double s = std::strtod(p, &end);
  if (end == p) return -1;
  while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n') ++end;
  if (*end != '\0' || !std::isfinite(s) || s < 0) return -1;
  return static_cast<int64_t>(std::min(s, 86'400.0) * 1000);
}

http_client::http_client(size_t max_body_bytes) : max_body_bytes_(max_body_bytes) {
  static const bool initialised = [] { return curl_global_init(CURL_GLOBAL_DEFAULT) == 0; }();
  if (!initialised) throw std::runtime_error("curl_global_init failed");
  curl_ = curl_easy_init();
  if (!curl_) throw std::runtime_error("curl_easy_init failed");
}

http_client::~http_client() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

http_response http_client::post_json(const std::string& url,
                                     const std::vector<std::string>& headers,
                                     const std::string& body, int timeout_ms) {
  auto* c = static_cast<CURL*>(curl_);
  http_response r;
  curl_slist* hdrs = curl_slist_append(nullptr, "Content-Type: application/json");
  for (auto& h : headers) hdrs = curl_slist_append(hdrs, h.c_str());
  curl_easy_reset(c);
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min(timeout_ms, 10'000)));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
  body_sink sink{&r.body, max_body_bytes_};
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.retry_after_ms);
  auto start = std::chrono::steady_clock::now();
  CURLcode rc = curl_easy_perform(c);
  r.latency_us = std::chrono::duration_cast<std::chrono::microseconds>(
                     std::chrono::steady_clock::now() - start)
                     .count();
  curl_slist_free_all(hdrs);
  if (rc != CURLE_OK) {
    r.error = sink.too_large ? "response body larger than " + std::to_string(max_body_bytes_) + " bytes"
                             : curl_easy_strerror(rc);
    r.body.clear();
    r.timed_out = rc == CURLE_OPERATION_TIMEDOUT;
    return r;
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  return r;
}

http_response http_client::get(const std::string& url, const std::vector<std::string>& headers,
                               int timeout_ms) {
  auto* c = static_cast<CURL*>(curl_);
  http_response r;
  curl_slist* hdrs = nullptr;
  for (auto& h : headers) hdrs = curl_slist_append(hdrs, h.c_str());
  curl_easy_reset(c);
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
  body_sink sink{&r.body, max_body_bytes_};
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(hdrs);
  if (rc != CURLE_OK) {
    r.error = curl_easy_strerror(rc);
    return r;
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  return r;
}

}  // namespace tickgate
