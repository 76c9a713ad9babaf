#include "app/admin/admin_server.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <random>
#include <stdexcept>

#include "app/admin/cluster_costs.hpp"
#include "app/admin/cost_report.hpp"
#include "app/admin/request_publisher.hpp"
#include "common/hashing.hpp"
#include "messages/outside_event_codec.hpp"
#include "common/user_error.hpp"
#include "kafka/kafka_health.hpp"

namespace tickgate {

using json = nlohmann::json;

namespace {

void reply(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(2) + "\n", "application/json");
}

void bad_request(httplib::Response& res, const std::string& field, const std::string& error) {
  reply(res, 400, {{"error", error}, {"field", field}});
}

// Constant-time comparison: neither the token nor its length leaks through response timing
// (every byte of the presented value is compared, whatever its length).
bool same(const std::string& presented, const std::string& expected) {
  unsigned char diff = presented.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < presented.size(); ++i)
    diff |= static_cast<unsigned char>(presented[i] ^ (expected.empty() ? 0 : expected[i % expected.size()]));
  return diff == 0;
}

// "config: events.price_change_pct: must be ..." -> field "events.price_change_pct".
std::string field_of(const std::string& config_error_text) {
  auto start = config_error_text.find(": ");
  if (start == std::string::npos) return "";
  start += 2;
  auto end = config_error_text.find(": ", start);
  return config_error_text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

}  // namespace

admin_server::admin_server(const stats_registry& stats, kv_store& store,
                           pipeline_control& control, std::shared_ptr<const config> cfg)
    : stats_(stats), store_(store), control_(control), cfg_(std::move(cfg)),
      server_(std::make_unique<httplib::Server>()) {
  if (const char* t = std::getenv(cfg_->admin_token_env.c_str()); t && *t) token_ = t;
  server_->set_tcp_nodelay(true);
  // Limits before anything is read: a body over the limit gets 413 from its Content-Length,
  // a slow client is dropped after one read timeout, and a fixed pool serves connections.
  server_->set_payload_max_length(static_cast<size_t>(cfg_->admin_max_body_bytes));
  const auto rt = cfg_->admin_read_timeout_ms;
  server_->set_read_timeout(static_cast<time_t>(rt / 1000), static_cast<time_t>((rt % 1000) * 1000));
  server_->set_write_timeout(static_cast<time_t>(rt / 1000), static_cast<time_t>((rt % 1000) * 1000));
  // One request per connection: a request whose body was refused unread is never followed by
  // a parse of that body as the next request (the library would buffer it as one huge line),
  // and an idle connection is dropped after one read timeout, not the library's 5 s.
  server_->set_keep_alive_max_count(1);
  server_->set_keep_alive_timeout(std::max<time_t>(1, static_cast<time_t>(rt / 1000)));
  const auto threads = static_cast<size_t>(cfg_->admin_threads);
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  routes();
}

admin_server::~admin_server() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

void admin_server::start(const std::string& listen) {
  // "host:port", or a bare port (on 127.0.0.1); port 0 picks a free one.
  auto colon = listen.rfind(':');
  std::string host = colon == std::string::npos ? "127.0.0.1" : listen.substr(0, colon);
  std::string port_text = colon == std::string::npos ? listen : listen.substr(colon + 1);
  char* end = nullptr;
  long port = std::strtol(port_text.c_str(), &end, 10);
  if (port_text.empty() || *end != '\0' || port < 0 || port > 65535 || host.empty())
    throw user_error("admin: listen address must be host:port or a port, got '" + listen + "'");
  port_ = port == 0 ? server_->bind_to_any_port(host)
                    : (server_->bind_to_port(host, static_cast<int>(port)) ? static_cast<int>(port) : -1);
  if (port_ <= 0) throw std::runtime_error("admin: cannot listen on " + listen);
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // stop() before the accept loop runs is lost and the loop would never end: start() returns
  // once it runs.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!server_->is_running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  spdlog::info("admin: listening address={}:{} mutating={} token_env={}", host, port_,
               token_.empty() ? "disabled" : "bearer_token", cfg_->admin_token_env);
}

void admin_server::routes() {
  auto& s = *server_;
  s.Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
    bool assigned = stats_.gauge_value("tickgate_ingest_assigned_partitions") > 0;
    const int64_t down_since = kafka_down_since_ms();
    const bool ok = assigned && down_since == 0;
    json body{{"status", down_since ? "kafka_unreachable" : assigned ? "ok" : "starting"},
              {"consumer_assigned", assigned}, {"storage", "open"},
              {"kafka", down_since ? "unreachable" : "reachable"}};
    if (down_since) body["kafka_down_since_ms"] = down_since;
    reply(res, ok ? 200 : 503, body);
  });
  s.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(stats_.prometheus_text(), "text/plain; version=0.0.4");
  });
  s.Get("/ai-cost/stats", [this](const httplib::Request&, httplib::Response& res) {
    reply(res, 200, cost_stats(stats_, *control_.current_or(cfg_)));
  });
  // The ledger a cost question is answered from: the cluster's (default, when there is one)
  // or this instance's own (`?scope=instance`); the reply says which.
  auto scoped = [this](const httplib::Request& req, httplib::Response& res,
                       const std::function<json(kv_store&)>& body_of_store) {
    const bool own = !cluster_ || req.get_param_value("scope") == "instance";
    if (req.has_param("scope") && req.get_param_value("scope") != "instance" &&
        req.get_param_value("scope") != "cluster")
      return reply(res, 400, {{"error", "scope: must be cluster or instance"}});
    json body = body_of_store(own ? store_ : cluster_->view());
    if (!body.is_object()) body = json{{"result", std::move(body)}};
    body["scope"] = own ? "instance" : "cluster";
    if (!own) body["cluster_caught_up"] = cluster_->caught_up();
    reply(res, 200, body);
  };
  s.Get("/ai-cost/daily", [scoped](const httplib::Request& req, httplib::Response& res) {
    scoped(req, res, [](kv_store& st) { return json{{"days", cost_series(st, "day")}}; });
  });
  s.Get("/ai-cost/monthly", [scoped](const httplib::Request& req, httplib::Response& res) {
    scoped(req, res, [](kv_store& st) { return json{{"months", cost_series(st, "month")}}; });
  });
  s.Get("/ai-cost/agent-breakdown", [scoped](const httplib::Request& req, httplib::Response& res) {
    scoped(req, res, [](kv_store& st) { return agent_breakdown(st); });
  });
  s.Get("/ai-cost/event-stats", [this](const httplib::Request&, httplib::Response& res) {
    reply(res, 200, event_stats(stats_));
  });
  s.Get("/ai-cost/forecast", [scoped](const httplib::Request& req, httplib::Response& res) {
    scoped(req, res, [](kv_store& st) { return forecast(st); });
  });
  s.Get("/ai-cost/budget-alert", [this, scoped](const httplib::Request& req, httplib::Response& res) {
    double budgets[2] = {pico_to_usd(cfg_->budget.global.daily), pico_to_usd(cfg_->budget.global.monthly)};
    const char* names[2] = {"daily_budget", "monthly_budget"};
    for (int i = 0; i < 2; ++i) {
      if (!req.has_param(names[i])) continue;
      char* end = nullptr;
      auto text = req.get_param_value(names[i]);
      double v = std::strtod(text.c_str(), &end);
      if (text.empty() || *end != '\0' || !(v >= 0) || v > 1e12)
        return bad_request(res, names[i], "must be a non-negative number of USD");
      budgets[i] = v;
    }
    scoped(req, res, [&](kv_store& st) { return budget_alert(st, budgets[0], budgets[1]); });
  });

  // Mutating: bearer token, then the declared size, both before a byte of the body is read
  // (content-reader handlers: httplib reads nothing until the handler asks), so an
  // unauthenticated or oversized request cannot make the server buffer anything; then the
  // body, validated, applied live as a new config version.
  auto authorised = [this](const httplib::Request& req, httplib::Response& res) {
    if (token_.empty()) {
      reply(res, 403, {{"error", "mutating endpoints are disabled: set " + cfg_->admin_token_env}});
      res.set_header("Connection", "close");  // its body is never read
      return false;
    }
    if (!same(req.get_header_value("Authorization"), "Bearer " + token_)) {
      res.set_header("WWW-Authenticate", "Bearer");
      reply(res, 401, {{"error", "missing or wrong bearer token"}});
      res.set_header("Connection", "close");
      return false;
    }
    return true;
  };
  // The body, at most admin.max_body_bytes of it; false (with the reply set) otherwise.
  auto read_body = [this](const httplib::Request& req, httplib::Response& res,
                          const httplib::ContentReader& reader, std::string& body) {
    const auto limit = static_cast<size_t>(cfg_->admin_max_body_bytes);
    const auto declared = req.get_header_value("Content-Length");
    char* end = nullptr;
    const unsigned long long n = std::strtoull(declared.c_str(), &end, 10);
    if (!declared.empty() && (*end != '\0' || n > limit)) {
      reply(res, 413, {{"error", "body larger than " + std::to_string(limit) + " bytes"}});
      res.set_header("Connection", "close");
      return false;
    }
    bool too_big = false;
    reader([&](const char* data, size_t len) {
      if (body.size() + len > limit) {
        too_big = true;
        return false;
      }
      body.append(data, len);
      return true;
    });
    if (too_big) {
      reply(res, 413, {{"error", "body larger than " + std::to_string(limit) + " bytes"}});
      res.set_header("Connection", "close");
      return false;
    }
    return true;
  };
  auto apply = [this](httplib::Response& res, const std::vector<std::string>& sets) {
    try {
      auto version = control_.apply(sets);
      reply(res, 200, {{"config_version", version}, {"applied", sets}});
    } catch (const config_error& e) {
      bad_request(res, field_of(e.what()), e.what());
    }
  };
  s.Post("/ai-cost/event-thresholds", [=](const httplib::Request& req, httplib::Response& res,
                                           const httplib::ContentReader& reader) {
    std::string text;
    if (!authorised(req, res) || !read_body(req, res, reader, text)) return;
    auto body = json::parse(text, nullptr, false);
    if (body.is_discarded() || !body.is_object() || body.empty())
      return bad_request(res, "", "body must be a non-empty JSON object of events.* keys");
    std::vector<std::string> sets;
    for (auto& [k, v] : body.items()) sets.push_back("events." + k + "=" + v.dump());
    apply(res, sets);
  });
  s.Post("/ai-cost/sampling-strategy", [=](const httplib::Request& req, httplib::Response& res,
                                            const httplib::ContentReader& reader) {
    std::string text;
    if (!authorised(req, res) || !read_body(req, res, reader, text)) return;
    auto body = json::parse(text, nullptr, false);
    if (body.is_discarded() || !body.is_object())
      return bad_request(res, "", "body must be a JSON object {\"agent\": name, \"strategy\": {...}}");
    if (!body.contains("agent") || !body["agent"].is_string())
      return bad_request(res, "agent", "agent must name a configured agent");
    auto agent = body["agent"].get<std::string>();
    if (control_.current_or(cfg_)->agent_index(agent) < 0)
      return bad_request(res, "agent", "unknown agent '" + agent + "'");
    if (!body.contains("strategy") || !body["strategy"].is_object())
      return bad_request(res, "strategy", "strategy must be an object with at least kind");
    apply(res, {"agents." + agent + ".strategy=" + body["strategy"].dump()});
  });
  // An analysis on demand: {symbol, agent, context?, max_age_s?, correlation_id?, ts?},
  // validated as the pipeline will, stamped (a correlation id when none is given, the time of
  // the request) and published; the answer comes out on ai.analyses with the correlation id.
  s.Post("/requests", [=](const httplib::Request& req, httplib::Response& res,
                          const httplib::ContentReader& reader) {
    std::string text;
    if (!authorised(req, res) || !read_body(req, res, reader, text)) return;
    if (!requests_)
      return reply(res, 503, {{"error", "analyses on demand are off (kafka.topics.requests is empty)"}});
    auto body = json::parse(text, nullptr, false);
    if (body.is_discarded() || !body.is_object())
      return bad_request(res, "", "body must be a JSON object {\"symbol\", \"agent\", \"context\"?, "
                                  "\"max_age_s\"?, \"correlation_id\"?}");
    if (!body.contains("correlation_id")) {
      std::random_device rd;
      body["correlation_id"] = sha256_hex(std::to_string(rd()) + ":" + std::to_string(rd()) + ":" +
                                          std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()))
                                   .substr(0, 32);
    }
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
    if (!body.contains("ts")) body["ts"] = now_ms;
    const auto cfg = control_.current_or(cfg_);
    std::vector<std::string> agents;
    for (auto& a : cfg->agents) agents.push_back(a.name);
    outside_limits limits;
    limits.max_bytes = static_cast<size_t>(cfg->outside.max_bytes);
    limits.max_text_bytes = static_cast<size_t>(cfg->outside.max_text_bytes);
    limits.ticks = cfg->input.limits;
    const auto value = body.dump();
    auto d = decode_request(value, limits, agents);
    if (!d.ok) {
      const auto field = d.code == "bad_agent"            ? "agent"
                         : d.code == "bad_symbol"         ? "symbol"
                         : d.code == "bad_correlation_id" ? "correlation_id"
                         : d.code == "bad_text"           ? "context"
                         : d.code == "bad_max_age"        ? "max_age_s"
                         : d.code == "bad_ts"             ? "ts"
                                                          : "";
      return bad_request(res, field, d.reason);
    }
    std::string err;
    if (!requests_->publish(d.value.symbol, value, 5'000, err))
      return reply(res, 503, {{"error", "request not published: " + err}});
    reply(res, 202, {{"correlation_id", d.value.correlation_id},
                     {"topic", requests_->topic()},
                     {"ts", d.value.ts},
                     {"answer_on", cfg->kafka.analyses_topic}});
  });
}

}  // namespace tickgate
