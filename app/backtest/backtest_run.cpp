#include "kafka/kafka_health.hpp"
#include "app/backtest/backtest_run.hpp"

#include "actors/llm/cost_estimate.hpp"
#include "actors/sink/decision_record.hpp"
#include "actors/sink/ledger.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "app/admin/cost_report.hpp"
#include "app/cli/cli_args.hpp"
#include "app/pipeline/pipeline.hpp"
#include "app/feeds/publisher.hpp"
#include "kafka/embedded_broker.hpp"
#include "messages/verdict_reason.hpp"
#include "kafka/topic_range.hpp"
#include "messages/tick_codec.hpp"
#include "storage/kv_store.hpp"

namespace tickgate {
namespace {

namespace fs = std::filesystem;

/// The input as records for the private broker, plus the valid ticks in it for the judge.
struct replay_input {
  std::vector<range_record> records;  // partition -1: by key
  std::vector<tick> ticks;
  int32_t partitions = 0;             // of the source topic; 0: the config's
  std::string method;
};

replay_input from_csv(const backtest_options& o) {
  replay_input in;
  for (auto& t : read_csv_ticks(o.csv, o.csv_opts))
    if (t.ts >= o.from_ts && t.ts <= o.to_ts) in.ticks.push_back(std::move(t));
  in.records.reserve(in.ticks.size());
  for (auto& t : in.ticks) in.records.push_back({-1, 0, t.ts, t.symbol, encode_tick(t)});
  std::stable_sort(in.ticks.begin(), in.ticks.end(), [](auto& a, auto& b) { return a.ts < b.ts; });
  return in;
}

replay_input from_topic(const backtest_options& o, const config& cfg) {
  replay_input in;
  if (std::string err; !kafka_reachable(o.brokers, cfg.kafka.connect_timeout_ms, cfg.kafka.consumer_properties, err))
    throw std::runtime_error("backtest: " + err);
  auto range = find_time_range(o.brokers, o.topic, o.from_ts, o.to_ts, cfg.kafka.consumer_properties);
  in.method = range.method;
  in.partitions = static_cast<int32_t>(range.partitions.size());
  spdlog::info("backtest: range topic={} records={} method=\"{}\"", o.topic, range.records(), range.method);
  read_range(o.brokers, o.topic, range, cfg.kafka.consumer_properties, [&](range_record&& r) {
    auto d = decode_tick(r.value, cfg.input.limits);
    // Record timestamps chose the offsets; the ticks' own times decide what is replayed.
    if (d.ok && (d.value.ts < o.from_ts || d.value.ts > o.to_ts)) return;
    if (d.ok) in.ticks.push_back(d.value);
    in.records.push_back(std::move(r));  // bad records too: they take the DLQ path as live
  });
  std::stable_sort(in.ticks.begin(), in.ticks.end(), [](auto& a, auto& b) { return a.ts < b.ts; });
  return in;
}

std::vector<ledger_row> read_ledger(kv_store& store) {
  std::vector<ledger_row> rows;
  store.scan(column::ledger, "", [&](std::string_view k, std::string_view v) {
    if (k.substr(0, 4) == "agg/") return true;
    ledger_row r;
    if (decode_ledger(v, r)) rows.push_back(std::move(r));
    return true;
  });
  return rows;
}

std::vector<analysis_row> read_analyses(kv_store& store) {
  std::vector<analysis_row> rows;
  store.scan(column::analyses, "", [&](std::string_view, std::string_view v) {
    auto j = nlohmann::json::parse(v, nullptr, false);
    if (j.is_discarded()) return true;
    rows.push_back({j.value("request_id", ""), j.value("symbol", ""), j.value("ts", int64_t{0})});
    return true;
  });
  return rows;
}

/// The decision log of `symbol` within [from, to], without not_subscribed skips.
std::vector<decision_note> read_decisions(kv_store& store, const std::string& symbol, int64_t from,
                                          int64_t to) {
  std::vector<decision_note> out;
  decision_log_reader reader(store);
  reader.for_symbol(symbol, from, to, [&](const decision_line& l) {
    const auto& v = *l.verdict;
    if (reason_code(v) != "not_subscribed")
      out.push_back({l.record->work.t.ts, l.agent, to_string(static_cast<action>(v.act)),
                     to_string(static_cast<event_type>(v.trigger)), reason_text(v)});
    return true;
  });
  return out;
}

/// Prints "backtest: N / M ticks (P%)" on stderr about once a second until stopped.
class progress_line {
 public:
  progress_line(bool on, const stats_registry& stats, int64_t total) {
    if (!on) return;
    thread_ = std::thread([this, &stats, total] {
      std::unique_lock lock{mu_};
      while (!cv_.wait_for(lock, std::chrono::seconds(1), [this] { return done_; })) {
        const auto n = static_cast<int64_t>(stats.total("tickgate_ingest_records_total"));
        std::fprintf(stderr, "\rbacktest: %lld / %lld records (%.0f%%)   ", static_cast<long long>(n),
                     static_cast<long long>(total), total ? 100.0 * static_cast<double>(n) / static_cast<double>(total) : 100.0);
      }
      std::fprintf(stderr, "\rbacktest: %lld records replayed                \n", static_cast<long long>(total));
    });
  }
  ~progress_line() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard guard{mu_};
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
};

}  // namespace

backtest_outcome run_backtest(const backtest_options& o) {
  if (o.csv.empty() == o.topic.empty()) throw usage_error("backtest: give exactly one of --csv and --topic");
  if (!o.topic.empty() && o.brokers.empty()) throw usage_error("backtest: --topic needs --brokers");
  if (o.report_dir.empty()) throw usage_error("backtest: --report DIR is required");
  if (o.from_ts > o.to_ts) throw usage_error("backtest: --from is after --to");
  if (o.provider == "recorded" && o.recorded_dir.empty())
    throw usage_error("backtest: --provider recorded needs --recorded DIR (a previous run's data or report dir)");

  const std::string state = o.report_dir + "/state";
  fs::remove_all(state);  // a fresh store each time: the same input gives the same report
  fs::create_directories(state);
  auto sets = o.sets;
  sets.push_back("storage.data_dir=\"" + state + "\"");
  sets.push_back("kafka.brokers=\"embedded\"");
  sets.push_back("kafka.group_id=\"tickgate-backtest\"");
  sets.push_back("alerts.webhooks=[]");  // a replay does not page anyone
  const bool real = o.provider != "dry-run" && o.provider != "recorded";
  if (real) sets.push_back("routing.provider=\"" + o.provider + "\"");
  auto cfg = load_config(o.config_path, sets);
  if (real && !cfg->providers.count(o.provider))
    throw usage_error("backtest: --provider " + o.provider + ": not a configured provider (dry-run, recorded or one of providers.*)");

  auto in = o.csv.empty() ? from_topic(o, *cfg) : from_csv(o);
  if (in.ticks.empty()) throw usage_error("backtest: no ticks in the requested range");

  embedded_broker broker(1);
  const int32_t partitions = in.partitions > 0 ? in.partitions : cfg->kafka.embedded_partitions;
  broker.create_topic(cfg->kafka.ticks_topic, partitions);
  for (auto& t : {cfg->kafka.analyses_topic, cfg->kafka.costs_topic, cfg->kafka.dlq_topic, cfg->kafka.alerts_topic})
    broker.create_topic(t, partitions);
  const auto published = publish_records(broker.bootstrap(), cfg->kafka.ticks_topic, in.records,
                                         cfg->kafka.compression);
  if (published.failed > 0)
    throw std::runtime_error("backtest: could not publish the replay into the private broker");

  stats_registry stats;
  pipeline_env env;
  env.cfg = cfg;
  env.stats = &stats;
  env.bootstrap = broker.bootstrap();
  env.until_eof = true;  // event time throughout; budgets on event time
  resolve_provider(*cfg, env);
  std::string priced_as = "actual";
  std::unique_ptr<kv_store> recorded;
  if (!real) {  // nothing is sent
    env.providers.clear();
    priced_as = env.dry_run_model.empty() ? "nothing" : env.dry_run_model;
    if (o.provider == "recorded") {
      const std::string db = fs::exists(o.recorded_dir + "/state/db") ? o.recorded_dir + "/state/db" : o.recorded_dir + "/db";
      if (!fs::exists(db)) throw usage_error("backtest: --recorded " + o.recorded_dir + ": no db/ or state/db/ in it");
      recorded = open_rocksdb_store(db, false);
      env.recorded = recorded.get();
      priced_as = "recorded (" + priced_as + " where the recording has no answer)";
    }
  }
  auto store = open_rocksdb_store(state + "/db", false);
  env.store = store.get();
  // A fresh estimator: a recorded backtest checks each estimate against the recorded bill and
  // learns call by call, as a live run does; a dry run prices with the prior.
  env.estimator = std::make_shared<shared_estimator>();
  if (!o.calibration_dir.empty()) {
    const std::string db = fs::exists(o.calibration_dir + "/state/db") ? o.calibration_dir + "/state/db"
                                                                        : o.calibration_dir + "/db";
    if (!fs::exists(db)) throw usage_error("backtest: --calibration " + o.calibration_dir + ": no db/ or state/db/ in it");
    auto calib = open_rocksdb_store(db, false);
    env.estimator->with([&](cost_estimator& e) { load_calibration(*calib, e); });
  }

  backtest_outcome out;
  out.range_method = in.method;
  {
    progress_line progress(o.progress, stats, static_cast<int64_t>(in.records.size()));
    std::atomic<bool> stop{false};
    std::string failure;
    out.seconds = run_pipeline(env, stop, nullptr, &failure);
    if (!failure.empty()) throw std::runtime_error("backtest: " + failure);
  }
  backtest_meta meta;
  meta.input = o.csv.empty() ? o.topic : o.csv;
  meta.provider = o.provider;
  meta.priced_as = priced_as;
  meta.from_ts = in.ticks.front().ts;
  meta.to_ts = in.ticks.back().ts;
  meta.config_version = cfg->version;
  meta.estimate.calls = static_cast<int64_t>(stats.total("tickgate_estimate_checked_total"));
  meta.estimate.billed = static_cast<picousd>(stats.total("tickgate_estimate_billed_picousd_total"));
  meta.estimate.estimated = static_cast<picousd>(stats.total("tickgate_estimate_estimated_picousd_total"));
  meta.estimate.abs_error = static_cast<picousd>(stats.total("tickgate_estimate_abs_error_picousd_total"));
  env.estimator->with([&](cost_estimator& e) {
    meta.estimate.bytes_per_token = e.bytes_per_token(env.dry_run_model);
    meta.estimate.calibrated = e.calibrated(env.dry_run_model);
    return 0;
  });
  meta.cache.hits = static_cast<int64_t>(cache_hit_count(stats));
  meta.cache.misses = static_cast<int64_t>(stats.value("tickgate_cache_lookups_total", "result=\"miss\""));
  meta.cache.bypassed = static_cast<int64_t>(stats.value("tickgate_cache_lookups_total", "result=\"bypass\""));
  out.report = build_report(meta, *cfg, in.ticks, read_ledger(*store), read_analyses(*store),
                            [&](const std::string& symbol, int64_t from, int64_t to) {
                              return read_decisions(*store, symbol, from, to);
                            });
  std::ofstream(o.report_dir + "/report.json") << report_json(out.report) << '\n';
  std::ofstream(o.report_dir + "/report.html") << report_html(out.report);
  return out;
}

}  // namespace tickgate
