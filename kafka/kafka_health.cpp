#include "kafka/kafka_health.hpp"

#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <algorithm>
#include <chrono>
#include <mutex>

#include "kafka/kafka_conf.hpp"

namespace tickgate {
namespace {

constexpr int64_t k_repeat_ms = 60'000;

std::atomic<int64_t> g_down_since{0};
std::mutex g_mu;  // guards the two below
std::string g_last_error;
kafka_log_dedup g_dedup;

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "[thrd:127.0.0.1:1/bootstrap]: ..." or "127.0.0.1:1/bootstrap: Connect to ..." ->
// "127.0.0.1:1/bootstrap"
std::string broker_of(const char* line) {
  std::string s(line);
  if (s.rfind("[thrd:", 0) == 0) {  // "[thrd:127.0.0.1:1/bootstrap]: ..."
    auto close = s.find(']');
    if (close != std::string::npos && close < 128) return s.substr(6, close - 6);
  }
  auto colon = s.find(": ");
  return colon == std::string::npos || colon > 128 ? std::string("-") : s.substr(0, colon);
}

void on_log(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  const auto broker = broker_of(buf);
  kafka_log_dedup::decision d;
  {
    std::lock_guard guard{g_mu};
    d = g_dedup.observe(broker, fac, wall_ms());
  }
  if (!d.log) return;
  auto lvl = level <= 3 ? spdlog::level::err : level <= 4 ? spdlog::level::warn
           : level <= 6 ? spdlog::level::info : spdlog::level::debug;
  spdlog::log(lvl, "kafka: {} client={} broker={} suppressed={} message=\"{}\"", fac,
              rd_kafka_name(rk), broker, d.suppressed, buf);
}

void on_error(rd_kafka_t* rk, int err, const char* reason, void*) {
  const auto e = static_cast<rd_kafka_resp_err_t>(err);
  if (e == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || e == RD_KAFKA_RESP_ERR__TRANSPORT ||
      e == RD_KAFKA_RESP_ERR__RESOLVE) {
    {
      std::lock_guard guard{g_mu};
      g_last_error = reason;
    }
    if (e == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
      int64_t expected = 0;
      if (g_down_since.compare_exchange_strong(expected, wall_ms()))
        spdlog::error("kafka: all brokers down client={} reason=\"{}\"", rd_kafka_name(rk), reason);
    }
    return;
  }
  if (rd_kafka_fatal_error(rk, nullptr, 0))
    spdlog::critical("kafka: fatal error client={} reason=\"{}\"", rd_kafka_name(rk), reason);
  else
    spdlog::warn("kafka: error client={} code={} reason=\"{}\"", rd_kafka_name(rk),
                 rd_kafka_err2name(e), reason);
}

}  // namespace

kafka_log_dedup::decision kafka_log_dedup::observe(const std::string& broker,
                                                   const std::string& facility, int64_t now) {
  auto& s = brokers_[broker];
  decision d;
  if (s.facility != facility || now - s.logged_at >= k_repeat_ms) {
    d.log = true;
    d.suppressed = s.facility == facility ? s.suppressed : 0;
    s.facility = facility;
    s.logged_at = now;
    s.suppressed = 0;
  } else {
    ++s.suppressed;
  }
  return d;
}

kafka_outage_alarm::step kafka_outage_alarm::observe(int64_t down_since_ms, int64_t now_ms) {
  step s;
  if (down_since_ms != 0) {
    s.raise = !in_outage_;
    in_outage_ = true;
    up_since_ = -1;
  } else if (in_outage_) {
    if (up_since_ < 0) {
      up_since_ = now_ms;
      s.recovered = true;
    } else if (now_ms - up_since_ >= settle_ms_) {
      in_outage_ = false;
      up_since_ = -1;
    }
  }
  return s;
}

void install_kafka_callbacks(rd_kafka_conf_t* conf) {
  rd_kafka_conf_set_log_cb(conf, on_log);
  rd_kafka_conf_set_error_cb(conf, on_error);
}

int64_t kafka_down_since_ms() { return g_down_since.load(std::memory_order_relaxed); }

void kafka_mark_up(int64_t asked_at_ms) {
  int64_t down = g_down_since.load();
  while (down != 0 && down <= asked_at_ms)
    if (g_down_since.compare_exchange_weak(down, 0)) {
      spdlog::info("kafka: brokers reachable again");
      return;
    }
}

kafka_recovery_probe::kafka_recovery_probe(std::string bootstrap,
                                           std::map<std::string, std::string> properties,
                                           std::chrono::milliseconds interval)
    : bootstrap_(std::move(bootstrap)),
      properties_(std::move(properties)),
      interval_(interval),
      thread_([this] { run(); }) {}

kafka_recovery_probe::~kafka_recovery_probe() {
  {
    std::lock_guard guard{mu_};
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void kafka_recovery_probe::run() {
  std::unique_lock lock{mu_};
  while (!wake_.wait_for(lock, interval_, [this] { return stop_; })) {
    if (kafka_down_since_ms() == 0) continue;
    lock.unlock();
    const int64_t asked_at = wall_ms();
    std::string error;
    // A probe's timeout bounds how long stopping can take; a second is plenty on a LAN.
    const auto timeout = std::max<int64_t>(500, std::min<int64_t>(interval_.count(), 2000));
    if (kafka_reachable(bootstrap_, timeout, properties_, error)) kafka_mark_up(asked_at);
    ++attempts_;
    lock.lock();
  }
}

std::string kafka_last_error() {
  std::lock_guard guard{g_mu};
  return g_last_error;
}

bool kafka_reachable(const std::string& bootstrap, int64_t timeout_ms,
                     const std::map<std::string, std::string>& properties, std::string& error) {
  // A producer handle: the connection settings (security.*, sasl.*, ssl.*), not the group's.
  rd_kafka_conf_t* conf = make_kafka_conf("probe", {{"bootstrap.servers", bootstrap}},
                                           without_group_properties(properties));
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    error = std::string("kafka: ") + err;
    return false;
  }
  const struct rd_kafka_metadata* md = nullptr;
  auto e = rd_kafka_metadata(rk, 0, nullptr, &md, static_cast<int>(timeout_ms));
  if (md) rd_kafka_metadata_destroy(md);
  rd_kafka_destroy(rk);
  if (e == RD_KAFKA_RESP_ERR_NO_ERROR) return true;
  auto last = kafka_last_error();
  error = "kafka: no broker reachable at " + bootstrap + " within " +
          std::to_string(timeout_ms / 1000) + " s (" + (last.empty() ? rd_kafka_err2str(e) : last) + ")";
  return false;
}

}  // namespace tickgate
