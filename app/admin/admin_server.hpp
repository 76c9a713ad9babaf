#pragma once
// The admin HTTP API (cpp-httplib, on its own thread, loopback by default): health, Prometheus
// metrics, cost and event statistics, live tuning of thresholds and sampling strategies, and
// requests for analyses on demand (POST /requests, published to kafka.topics.requests).
// Mutating calls need `Authorization: Bearer <token>`, the token read from the environment
// variable the config names; without one set they answer 403.
#include <memory>
#include <string>
#include <thread>

#include "app/pipeline/pipeline.hpp"
#include "common/stats.hpp"
#include "storage/kv_store.hpp"

namespace httplib {
class Server;
}

namespace tickgate {

class cluster_costs;
class request_publisher;

/// Owned by `tickgate run` (or a test); stops and joins on destruction.
class admin_server {
 public:
  admin_server(const stats_registry& stats, kv_store& store, pipeline_control& control,
               std::shared_ptr<const config> cfg);
  ~admin_server();
  admin_server(const admin_server&) = delete;
  admin_server& operator=(const admin_server&) = delete;

  /// Binds `host:port` (port 0: any free port) and serves. Throws std::runtime_error naming
  /// the address when it cannot bind.
  void start(const std::string& listen);
  int port() const { return port_; }
  /// The cluster's cost ledger: /ai-cost/* answer for the cluster, `?scope=instance` for this
  /// instance's own share. Set before start().
  void set_cluster_view(cluster_costs* view) { cluster_ = view; }
  /// Where POST /requests publishes (kafka.topics.requests); without one it answers 503.
  void set_request_publisher(request_publisher* p) { requests_ = p; }

 private:
  void routes();
  const stats_registry& stats_;
  kv_store& store_;
  pipeline_control& control_;
  std::shared_ptr<const config> cfg_;
  std::string token_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  cluster_costs* cluster_ = nullptr;
  request_publisher* requests_ = nullptr;
};

}  // namespace tickgate
