#include "app/lib/admin_server.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <stdexcept>

#include "app/lib/cost_report.hpp"

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

// Constant-time comparison: the token must not leak through response timing.
bool same(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
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
  routes();
}

admin_server::~admin_server() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

void admin_server::start(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error("admin: listen address must be host:port, got " + listen);
  std::string host = listen.substr(0, colon);
  int port = std::atoi(listen.substr(colon + 1).c_str());
  port_ = port == 0 ? server_->bind_to_any_port(host) : (server_->bind_to_port(host, port) ? port : -1);
  if (port_ <= 0) throw std::runtime_error("admin: cannot listen on " + listen);
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  spdlog::info("admin: listening address={}:{} mutating={} token_env={}", host, port_,
               token_.empty() ? "disabled" : "bearer_token", cfg_->admin_token_env);
}

void admin_server::routes() {
  auto& s = *server_;
  s.Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
    bool assigned = stats_.gauge_value("tickgate_ingest_assigned_partitions") > 0;
    reply(res, assigned ? 200 : 503,
          {{"status", assigned ? "ok" : "starting"}, {"consumer_assigned", assigned}, {"storage", "open"}});
  });
  s.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(stats_.prometheus_text(), "text/plain; version=0.0.4");
  });
  s.Get("/ai-cost/stats", [this](const httplib::Request&, httplib::Response& res) {
    reply(res, 200, cost_stats(stats_, *control_.current_or(cfg_)));
  });
  s.Get("/ai-cost/daily", [this](const httplib::Request&, httplib::Response& res) {
    reply(res, 200, {{"days", cost_series(store_, "day")}});
  });
  s.Get("/ai-cost/monthly", [this](const httplib::Request&, httplib::Response& res) {
    reply(res, 200, {{"months", cost_series(store_, "month")}});
  });
  s.Get("/ai-cost/agent-breakdown", [this](const httplib::Request&, httplib::Response& res) {
    reply(res, 200, agent_breakdown(store_));
  });
  s.Get("/ai-cost/event-stats", [this](const httplib::Request&, httplib::Response& res) {
    reply(res, 200, event_stats(stats_));
  });
  s.Get("/ai-cost/forecast", [this](const httplib::Request&, httplib::Response& res) {
    reply(res, 200, forecast(store_));
  });
  s.Get("/ai-cost/budget-alert", [this](const httplib::Request& req, httplib::Response& res) {
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
    reply(res, 200, budget_alert(store_, budgets[0], budgets[1]));
  });

  // Mutating: bearer token, validated body, applied live as a new config version.
  auto authorised = [this](const httplib::Request& req, httplib::Response& res) {
    if (token_.empty()) {
      reply(res, 403, {{"error", "mutating endpoints are disabled: set " + cfg_->admin_token_env}});
      return false;
    }
    if (!same(req.get_header_value("Authorization"), "Bearer " + token_)) {
      res.set_header("WWW-Authenticate", "Bearer");
      reply(res, 401, {{"error", "missing or wrong bearer token"}});
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
  s.Post("/ai-cost/event-thresholds", [=](const httplib::Request& req, httplib::Response& res) {
    if (!authorised(req, res)) return;
    auto body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || body.empty())
      return bad_request(res, "", "body must be a non-empty JSON object of events.* keys");
    std::vector<std::string> sets;
    for (auto& [k, v] : body.items()) sets.push_back("events." + k + "=" + v.dump());
    apply(res, sets);
  });
  s.Post("/ai-cost/sampling-strategy", [=](const httplib::Request& req, httplib::Response& res) {
    if (!authorised(req, res)) return;
    auto body = json::parse(req.body, nullptr, false);
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
}

}  // namespace tickgate
