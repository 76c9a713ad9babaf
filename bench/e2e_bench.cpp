// End-to-end throughput against the raw consume rate, in one run on one machine:
//   1. publishes >= 1M real-shaped ticks (the real trade session, copied under renamed symbols)
//      to a 6-partition topic on the embedded Kafka-protocol broker;
//   2. reads the whole topic with a bare librdkafka consumer (manual assignment, no decoding),
//      three times: the raw consume rate (the ratio is to the median);
//      then, if kcat is on PATH, with kcat (the tool the goal was first measured with);
//   3. runs the whole pipeline on it (`tickgate run --until-eof`: consumer group, decode, four
//      decision stages per shard, cache, gateway offline, RocksDB decision log and ledger,
//      output topics, commits): records / (first record to last commit).
//   build/bench/e2e_bench [copies [nochangelog] [dotted.path=JSON ...]]   (default 24: 1,045,944 ticks)
//   E2E_LOG=1 in the environment: the pipeline's log at debug level (backpressure, drain, ...).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include <sys/resource.h>

#include "app/feeds/csv_feed.hpp"
#include "app/pipeline/pipeline.hpp"
#include "app/feeds/publisher.hpp"
#include "kafka/embedded_broker.hpp"
#include "kafka/topic_range.hpp"
#include "storage/kv_store.hpp"

using namespace tickgate;

namespace {
/// CPU seconds (user + system) of every thread of this process so far.
double process_cpu_s() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6; };
  return s(u.ru_utime) + s(u.ru_stime);
}
}  // namespace

int main(int argc, char** argv) {
  const int copies = argc > 1 ? std::atoi(argv[1]) : 24;
  // "nochangelog": without the state changelog topic (per-symbol state stays in the process).
  const bool changelog = !(argc > 2 && std::string(argv[2]) == "nochangelog");
  spdlog::set_level(std::getenv("E2E_LOG") ? spdlog::level::debug : spdlog::level::warn);
  const auto real = read_csv_ticks(std::string(TICKGATE_SOURCE_DIR) + "/data/sample/hf_multitrade_2014-09-17.csv",
                                   {"trades", "America/New_York", ""});
  std::vector<tick> ticks;
  ticks.reserve(real.size() * static_cast<size_t>(copies));
  for (const auto& t : real)
    for (int k = 0; k < copies; ++k) {
      ticks.push_back(t);
      ticks.back().symbol += "." + std::to_string(k);
    }
  const auto dir = std::filesystem::temp_directory_path() / ("tickgate_e2e_bench_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::vector<std::string> sets{"storage.data_dir=\"" + dir.string() + "\"", "kafka.group_id=\"e2e-bench\""};
  for (int i = changelog ? 2 : 3; i < argc; ++i) sets.push_back(argv[i]);  // overrides: dotted.path=JSON
  auto cfg = load_config(std::string(TICKGATE_SOURCE_DIR) + "/config/default.json", sets);
  embedded_broker broker(1);
  for (auto& t : {cfg->kafka.ticks_topic, cfg->kafka.analyses_topic, cfg->kafka.costs_topic,
                  cfg->kafka.dlq_topic, cfg->kafka.alerts_topic})
    broker.create_topic(t, 6);
  if (changelog) broker.create_topic(cfg->kafka.state_topic, 6);
  auto pub = publish_ticks(broker.bootstrap(), cfg->kafka.ticks_topic, ticks, 0, cfg->kafka.compression);
  std::printf("e2e_bench: %zu ticks (%d copies of %zu real trades), 6 partitions, published in %.1f s\n",
              ticks.size(), copies, real.size(), pub.seconds);

  // Raw: a bare consumer, no decoding; three times (its rate varies from one read to the next
  // by up to 2x on this machine, with glibc's arenas): the ratio is taken to the median.
  std::vector<double> raw_rates;
  for (int read = 0; read < 3; ++read) {
    auto start = std::chrono::steady_clock::now();
    auto range = find_time_range(broker.bootstrap(), cfg->kafka.ticks_topic, INT64_MIN, INT64_MAX, {});
    int64_t raw = 0, bytes = 0;
    read_range(broker.bootstrap(), cfg->kafka.ticks_topic, range, {}, [&](range_record&& r) {
      ++raw;
      bytes += static_cast<int64_t>(r.value.size());
    });
    const double raw_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    raw_rates.push_back(static_cast<double>(raw) / raw_s);
    std::printf("  raw consume      %lld records in %.2f s: %.0f records/s (%.1f MB/s)\n",
                static_cast<long long>(raw), raw_s, static_cast<double>(raw) / raw_s,
                static_cast<double>(bytes) / raw_s / 1e6);
  }
  std::sort(raw_rates.begin(), raw_rates.end());
  const double raw_median = raw_rates[1];

  // kcat, the bare consumer the throughput goal is stated against, if on PATH.
  if (std::system("command -v kcat > /dev/null 2>&1") == 0) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto cmd = "kcat -C -q -e -o beginning -f '%o\\n' -b " + broker.bootstrap() + " -t " +
                     cfg->kafka.ticks_topic + " | wc -l > " + dir.string() + ".kcat";
    const int rc = std::system(cmd.c_str());
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    long long n = 0;
    if (FILE* f = std::fopen((dir.string() + ".kcat").c_str(), "r")) {
      if (std::fscanf(f, "%lld", &n) != 1) n = 0;
      std::fclose(f);
    }
    std::filesystem::remove(dir.string() + ".kcat");
    std::printf("  kcat             %lld records in %.2f s: %.0f records/s (rc %d)\n", n, s,
                static_cast<double>(n) / s, rc);
  }

  // tickgate run --until-eof.
  stats_registry stats;
  pipeline_env env;
  env.cfg = cfg;
  env.stats = &stats;
  env.bootstrap = broker.bootstrap();
  env.until_eof = true;
  resolve_provider(*cfg, env);
  auto store = open_rocksdb_store(dir.string() + "/db", false);
  env.store = store.get();
  std::atomic<bool> stop{false};
  const double cpu0 = process_cpu_s();
  const double wall = run_pipeline(env, stop);
  const double cpu = process_cpu_s() - cpu0;
  const double busy = static_cast<double>(stats.gauge_value("tickgate_ingest_busy_us")) / 1e6;
  const auto records = stats.total("tickgate_ingest_records_total");
  const double rate = static_cast<double>(records) / busy;
  std::printf("  tickgate run     %llu records in %.2f s first record to last commit (%.2f s with "
              "group join): %.0f records/s, %llu decisions logged\n",
              static_cast<unsigned long long>(records), busy, wall, rate,
              static_cast<unsigned long long>(stats.total("tickgate_decisions_logged_total")));
  std::printf("  state changelog  %s: %llu records, %.1f MB\n", changelog ? "on" : "off",
              static_cast<unsigned long long>(stats.total("tickgate_changelog_records_total")),
              static_cast<double>(stats.total("tickgate_changelog_bytes_total")) / 1e6);
  // CPU per record is steadier than the rate on a shared 2-core machine, and says what a
  // record costs: with N cores the rate cannot pass N / cpu_per_record.
  std::printf("  cpu              %.1f s for the run (%.2f cores over the group join and run): %.1f us "
              "per record, the in-process broker's share included\n",
              cpu, cpu / wall, cpu / static_cast<double>(records) * 1e6);
  std::printf("  ratio            %.3f of the raw consume rate's median (%.3f of its fastest read; "
              "target 0.7)\n", rate / raw_median, rate / raw_rates.back());
  // Disk: what the data dir holds per million ticks, after a flush and compaction.
  for (int c = 0; c < static_cast<int>(column::count_); ++c) store->compact(static_cast<column>(c));
  std::printf("  disk             per million ticks:");
  for (int c = 0; c < static_cast<int>(column::count_); ++c)
    std::printf(" %s %.1f MB", to_string(static_cast<column>(c)),
                static_cast<double>(store->size_bytes(static_cast<column>(c))) / 1e6 * 1e6 /
                    static_cast<double>(records));
  store.reset();
  uint64_t on_disk = 0;
  for (auto& f : std::filesystem::recursive_directory_iterator(dir))
    if (f.is_regular_file()) on_disk += f.file_size();
  std::printf("; data dir %.1f MB (%.0f bytes/tick, WAL and logs included)\n",
              static_cast<double>(on_disk) / 1e6 * 1e6 / static_cast<double>(records),
              static_cast<double>(on_disk) / static_cast<double>(records));
  std::filesystem::remove_all(dir);
  return 0;
}
