#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "app/lib/admin_server.hpp"
#include "app/lib/cli_args.hpp"
#include "app/lib/commands.hpp"
#include "app/lib/csv_feed.hpp"
#include "app/lib/pipeline.hpp"
#include "app/lib/publisher.hpp"
#include "app/lib/signals.hpp"
#include "app/lib/summary.hpp"
#include "kafka/embedded_broker.hpp"

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
  if (args.has("brokers")) overrides.push_back("kafka.brokers=\"" + args.get("brokers") + "\"");
  if (args.has("group")) overrides.push_back("kafka.group_id=\"" + args.get("group") + "\"");
  if (args.has("data-dir")) overrides.push_back("storage.data_dir=\"" + args.get("data-dir") + "\"");
  if (args.has("admin")) overrides.push_back("admin.listen=\"" + args.get("admin") + "\"");
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

  std::filesystem::create_directories(cfg->data_dir);
  std::unique_ptr<embedded_broker> broker;
  if (cfg->kafka.brokers == "embedded") {
    broker = std::make_unique<embedded_broker>(1);
    for (auto& t : {cfg->kafka.ticks_topic, cfg->kafka.analyses_topic, cfg->kafka.costs_topic,
                    cfg->kafka.dlq_topic, cfg->kafka.alerts_topic})
      broker->create_topic(t, cfg->kafka.embedded_partitions);
    env.bootstrap = broker->bootstrap();
    spdlog::info("embedded broker: started bootstrap={} file={}/bootstrap", env.bootstrap,
                 cfg->data_dir);
  } else {
    env.bootstrap = cfg->kafka.brokers;
  }
  std::ofstream(cfg->data_dir + "/bootstrap") << env.bootstrap << '\n';

  auto store = open_rocksdb_store(cfg->data_dir + "/db", cfg->sync_writes);
  env.store = store.get();

  if (!feed.empty()) {
    auto r = publish_ticks(env.bootstrap, cfg->kafka.ticks_topic, feed, 0, cfg->kafka.compression);
    spdlog::info("feed: published ticks={} topic={} seconds={:.2f}", r.sent, cfg->kafka.ticks_topic,
                 r.seconds);
    if (r.failed) throw std::runtime_error("feed: " + std::to_string(r.failed) + " ticks not delivered");
  }
  install_stop_signals();
  pipeline_control control;
  admin_server admin(stats, *store, control, cfg);
  admin.start(cfg->admin_listen);
  double secs = run_pipeline(env, stop_requested(), &control);
  std::cout << run_summary(env, secs) << std::flush;
  return 0;
}

}  // namespace tickgate
