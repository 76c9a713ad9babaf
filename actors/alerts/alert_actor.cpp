#include "actors/alerts/alert_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <spdlog/spdlog.h>

#include <unistd.h>

#include <chrono>

#include "actors/alerts/alert_policy.hpp"
#include "actors/gateway/token_bucket.hpp"
#include "actors/llm/http_client.hpp"
#include "kafka/kafka_producer.hpp"

namespace tickgate {
namespace {

/// alert -> webhook actor: one POST, attempt n of 1 + retries.
struct webhook_post {
  std::string key;
  std::string body;
  int32_t attempt = 1;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, webhook_post& x) {
  return f(caf::meta::type_name("webhook_post"), x.key, x.body, x.attempt);
}
using webhook_actor =
    caf::typed_actor<caf::reacts_to<webhook_post>, caf::reacts_to<drain_atom, caf::actor>>;

/// Stats of the alert actor and its webhooks.
struct alert_stats {
  explicit alert_stats(stats_registry& r) : reg(r) {
    suppressed = &r.add_counter("tickgate_alerts_suppressed_total", "",
                                "Alerts not repeated: same key within the dedup window");
    topic_errors = &r.add_counter("tickgate_alerts_topic_errors_total", "",
                                  "Alerts that could not be published to the alerts topic");
  }
  counter& raised(const std::string& kind) {
    return reg.add_counter("tickgate_alerts_total", "kind=\"" + kind + "\"",
                           "Alerts raised (after deduplication), by kind");
  }
  counter& posts(size_t hook, const char* outcome) {
    return reg.add_counter("tickgate_webhook_posts_total",
                           "hook=\"" + std::to_string(hook) + "\",outcome=\"" + outcome + "\"",
                           "Webhook deliveries by hook index and outcome "
                           "(delivered, retried, failed, rate_limited)");
  }
  stats_registry& reg;
  counter* suppressed;
  counter* topic_errors;
};

/// The host of a URL, for logs: a webhook URL often carries its secret in the path or query.
std::string url_host(const std::string& url) {
  auto start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  auto end = url.find_first_of("/?#", start);
  auto host = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (auto at = host.rfind('@'); at != std::string::npos) host = host.substr(at + 1);
  return host;
}

struct webhook_state {
  std::unique_ptr<http_client> http;
  int32_t pending = 0;  // posts received or scheduled for retry, not yet finished
  std::vector<caf::actor> drain_waiters;
  static inline const char* name = "webhook";
};

webhook_actor::behavior_type webhook_impl(webhook_actor::stateful_pointer<webhook_state> self,
                                          webhook_config hook, size_t index,
                                          std::shared_ptr<alert_stats> stats) {
  self->state.http = std::make_unique<http_client>();
  auto finish_one = [=] {
    auto& st = self->state;
    if (--st.pending == 0) {
      for (auto& w : st.drain_waiters) caf::anon_send(w, done_atom::value);
      st.drain_waiters.clear();
    }
  };
  return {
      [=](webhook_post& p) {
        auto& st = self->state;
        if (p.attempt == 1) ++st.pending;
        auto r = st.http->post_json(hook.url, {}, p.body, static_cast<int>(hook.timeout_ms));
        if (r.status >= 200 && r.status < 300) {
          stats->posts(index, "delivered").inc();
          return finish_one();
        }
        const std::string why = r.status ? "status " + std::to_string(r.status) : r.error;
        if (p.attempt <= hook.retries && retryable_status(r.status)) {
          stats->posts(index, "retried").inc();
          const int64_t wait = hook.backoff_ms << std::min(p.attempt - 1, 20);
          ++p.attempt;
          self->delayed_send(self, std::chrono::milliseconds(wait), std::move(p));
          return;
        }
        stats->posts(index, "failed").inc();
        spdlog::warn("alerts: webhook failed host={} key={} attempts={} error=\"{}\"", url_host(hook.url),
                     p.key, p.attempt, why);
        finish_one();
      },
      [=](drain_atom, caf::actor& who) {
        if (self->state.pending == 0) return caf::anon_send(who, done_atom::value);
        self->state.drain_waiters.push_back(who);
      },
  };
}

struct alert_state {
  std::shared_ptr<alert_stats> stats;  // shared with the webhook actors, which may outlive us
  std::unique_ptr<kafka_producer> producer;
  std::unique_ptr<alert_dedup> dedup;
  std::vector<webhook_actor> hooks;
  std::vector<token_bucket> limits;  // per hook, wall clock
  std::string instance;
  static inline const char* name = "alerts";
};

std::string instance_name(const config& cfg) {
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return cfg.kafka.group_id + "@" + host + "/" + std::to_string(getpid());
}

alert_actor::behavior_type alert_impl(alert_actor::stateful_pointer<alert_state> self,
                                      pipeline_env env) {
  auto cfg = env.cfg;
  auto& st = self->state;
  st.stats = std::make_shared<alert_stats>(*env.stats);
  st.producer = std::make_unique<kafka_producer>(env.bootstrap, cfg->kafka.producer_properties);
  st.dedup = std::make_unique<alert_dedup>(cfg->alerts.dedup_window_ms);
  st.instance = instance_name(*cfg);
  for (size_t i = 0; i < cfg->alerts.webhooks.size(); ++i) {
    const auto& h = cfg->alerts.webhooks[i];
    st.hooks.push_back(self->home_system().spawn<caf::detached>(webhook_impl, h, i, st.stats));
    self->link_to(st.hooks.back());
    st.limits.emplace_back(static_cast<double>(h.max_per_minute));
  }
  return {
      [=](alert& a) {
        auto& st = self->state;
        if (!st.dedup->admit(a.key, a.ts)) {
          st.stats->suppressed->inc();
          return;
        }
        st.stats->raised(a.kind).inc();
        const auto line = alert_log_line(a);
        if (a.severity == "critical") spdlog::error("{}", line);
        else if (a.severity == "warning") spdlog::warn("{}", line);
        else spdlog::info("{}", line);
        const auto body = alert_json(a, st.instance);
        std::string err;
        auto stats = st.stats.get();
        auto on_delivery = [stats](bool ok, const std::string& e) {
          if (ok) return;
          stats->topic_errors->inc();
          spdlog::warn("alerts: not delivered to the alerts topic error=\"{}\"", e);
        };
        if (!st.producer->produce(cfg->kafka.alerts_topic, a.key, body, {}, on_delivery, err))
          on_delivery(false, err);
        st.producer->poll(0);
        const int64_t now = env.wall_ms();
        for (size_t i = 0; i < st.hooks.size(); ++i) {
          if (!st.limits[i].can_take(1, now)) {
            st.stats->posts(i, "rate_limited").inc();
            continue;
          }
          st.limits[i].take(1, now);
          self->send(st.hooks[i], webhook_post{a.key, body, 1});
        }
      },
      [=](drain_atom, caf::actor& who) {
        auto& st = self->state;
        if (!st.producer->flush(5000)) spdlog::warn("alerts: alerts topic not flushed timeout_s=5");
        if (st.hooks.empty()) return caf::anon_send(who, done_atom::value);
        for (auto& h : st.hooks) self->send(h, drain_atom::value, who);
      },
  };
}

}  // namespace

alert_actor spawn_alerts(caf::actor_system& sys, const pipeline_env& env) {
  return sys.spawn(alert_impl, env);
}

}  // namespace tickgate
