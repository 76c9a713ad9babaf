#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "app/admin/admin_server.hpp"
#include "actors/llm/cost_estimate.hpp"
#include "actors/sink/ledger.hpp"
#include "app/admin/cluster_costs.hpp"
#include "app/admin/request_publisher.hpp"
#include "app/cli/cli_args.hpp"
#include "app/cli/commands.hpp"
#include "app/feeds/csv_feed.hpp"
#include "app/pipeline/pipeline.hpp"
#include "app/feeds/publisher.hpp"
#include "app/cli/signals.hpp"
#include "app/admin/summary.hpp"
#include "kafka/embedded_broker.hpp"
#include "kafka/kafka_health.hpp"

namespace tickgate {

int cmd_run(int argc, char** argv) {
  cli_args args("run",
                {{"config", "config file (JSON, comments allowed)", true, false,
                  "config/default.json"},
                 {"brokers", "Kafka bootstrap list, or 'embedded' for the in-process broker", true,
                  false, "kafka.brokers"},
                 {"feed", "publish this CSV of market data into the input topic first"},
                 {"format", "format of --feed: trades|bars|quotes|generic|auto", true, false, "auto"},
                 {"tz", "time zone of --feed times without offset (e.g. America/New_York)"},
                 {"symbol", "symbol for a bars CSV (default: file name prefix)"},
                 {"group", "consumer group id", true, false, "kafka.group_id"},
                 {"data-dir", "where RocksDB and the bootstrap file live", true, false,
                  "storage.data_dir"},
                 {"admin", "admin HTTP listen address", true, false, "admin.listen"},
                 {"until-eof", "stop once every assigned partition is drained", false},
                 {"max-records", "drain, commit and stop after consuming N records"},
                 {"set", "override a config key: dotted.path=JSON", true, true}},
                argc, argv, 2);
  if (args.help()) {
    std::cout << "tickgate run: consume ticks, decide, call LLMs when worth it, publish analyses\n\n"
              << args.usage();
    return 0;
  }
  auto overrides = args.all("set");
  // Flag values become JSON strings whatever they hold (quotes, newlines).
  auto as_json = [](const std::string& v) { return nlohmann::json(v).dump(); };
  if (args.has("brokers")) overrides.push_back("kafka.brokers=" + as_json(args.get("brokers")));
  if (args.has("group")) overrides.push_back("kafka.group_id=" + as_json(args.get("group")));
  if (args.has("data-dir")) overrides.push_back("storage.data_dir=" + as_json(args.get("data-dir")));
  if (args.has("admin")) overrides.push_back("admin.listen=" + as_json(args.get("admin")));
  auto cfg = load_config(args.get("config", default_config_path()), overrides);
  spdlog::set_level(spdlog::level::from_str(cfg->log_level));

  std::vector<tick> feed;
  if (args.has("feed")) {
    csv_options o{args.get("format", "auto"), args.get("tz"), args.get("symbol")};
    std::string fmt;
    feed = read_csv_ticks(args.get("feed"), o, &fmt);
    spdlog::info("feed: read ticks={} file={} format={}", feed.size(), args.get("feed"), fmt);
  }

  stats_registry stats;
  pipeline_env env;
  env.cfg = cfg;
  env.stats = &stats;
  env.until_eof = args.has("until-eof");
  if (args.has("max-records")) {
    try {
      env.max_records = std::stoll(args.get("max-records"));
    } catch (const std::exception&) {
      env.max_records = -1;
    }
    if (env.max_records <= 0) throw usage_error("run: --max-records must be a positive integer");
  }
  resolve_provider(*cfg, env);
  spdlog::info("provider: note=\"{}\"", env.provider_note);

  // The data dir is this instance's: its RocksDB lock is taken before anything in it (the
  // bootstrap file of a running instance included) is touched.
  std::unique_ptr<kv_store> store;
  try {
    std::filesystem::create_directories(cfg->data_dir);
    store = open_rocksdb_store(cfg->data_dir + "/db", cfg->sync_writes);
  } catch (const std::exception& e) {
    throw usage_error("run: --data-dir " + cfg->data_dir + ": " + e.what());
  }
  env.store = store.get();
  // Estimates start where the ledger's bills left them.
  env.estimator = std::make_shared<shared_estimator>();
  env.estimator->with([&](cost_estimator& e) { load_calibration(*store, e); });

  std::unique_ptr<embedded_broker> broker;
  if (cfg->kafka.brokers == "embedded") {
    broker = std::make_unique<embedded_broker>(1);
    for (auto& t : {cfg->kafka.ticks_topic, cfg->kafka.analyses_topic, cfg->kafka.costs_topic,
                    cfg->kafka.dlq_topic, cfg->kafka.alerts_topic, cfg->kafka.state_topic})
      broker->create_topic(t, cfg->kafka.embedded_partitions);
    for (auto& t : {cfg->kafka.events_topic, cfg->kafka.requests_topic})  // co-partitioned with the ticks
      if (!t.empty()) broker->create_topic(t, cfg->kafka.embedded_partitions);
    broker->create_topic(cfg->kafka.budget_topic, 1);  // the budget sequencer: one log order
    env.bootstrap = broker->bootstrap();
    spdlog::info("embedded broker: started bootstrap={} file={}/bootstrap", env.bootstrap,
                 cfg->data_dir);
  } else {
    env.bootstrap = cfg->kafka.brokers;
    // A replay has nothing to wait for: a broker out of reach is an error, not a silent retry.
    if (std::string err; env.until_eof && !kafka_reachable(env.bootstrap, cfg->kafka.connect_timeout_ms,
                                                           cfg->kafka.consumer_properties, err))
      throw std::runtime_error("run: " + err);
  }
  std::ofstream(cfg->data_dir + "/bootstrap") << env.bootstrap << '\n';

  if (!feed.empty()) {
    auto r = publish_ticks(env.bootstrap, cfg->kafka.ticks_topic, feed, 0, cfg->kafka.compression);
    spdlog::info("feed: published ticks={} topic={} seconds={:.2f}", r.sent, cfg->kafka.ticks_topic,
                 r.seconds);
    if (r.failed) throw std::runtime_error("feed: " + std::to_string(r.failed) + " ticks not delivered");
  }
  install_stop_signals();
  pipeline_control control;
  // A live service answers cost questions for the whole group (ai.costs as a global table); a
  // replay (--until-eof) for itself.
  std::unique_ptr<cluster_costs> cluster;
  if (!env.until_eof) cluster = std::make_unique<cluster_costs>(env.bootstrap, *cfg, *store);
  // Outlives the admin server, whose threads publish through it.
  std::unique_ptr<request_publisher> requests;
  if (!cfg->kafka.requests_topic.empty())
    requests = std::make_unique<request_publisher>(env.bootstrap, cfg->kafka.requests_topic,
                                                   cfg->kafka.producer_properties);
  admin_server admin(stats, *store, control, cfg);
  admin.set_cluster_view(cluster.get());
  if (requests) admin.set_request_publisher(requests.get());
  admin.start(cfg->admin_listen);
  std::string failure;
  double secs = run_pipeline(env, stop_requested(), &control, &failure);
  std::cout << run_summary(env, secs) << std::flush;
  if (!failure.empty()) throw std::runtime_error("run: " + failure);
  return 0;
}

}  // namespace tickgate
