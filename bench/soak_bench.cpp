// Months of running, compressed: replays D days of event time (the real trade session, copied
// under C symbol suffixes, shifted a day at a time) at full speed through the whole pipeline,
// with the broker in a child process (`tickgate broker`: its in-memory log is not counted),
// and prints, at the end of each event day, the data dir's size and this process's RSS.
// With retention (storage.retention.decisions_days, default 7) both should stop growing after
// the first week; the peak RSS is that of catching up the whole backlog at once.
//   build/bench/soak_bench [days=30 [copies=4 [dotted.path=JSON ...]]]   (30 x 4: 5.2M ticks)
#include <malloc.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "app/feeds/csv_feed.hpp"
#include "app/feeds/publisher.hpp"
#include "app/pipeline/pipeline.hpp"
#include "storage/kv_store.hpp"

using namespace tickgate;

namespace {

int64_t proc_status_kb(const char* field) {
  std::ifstream f("/proc/self/status");
  std::string line;
  const std::string want = std::string(field) + ":";
  while (std::getline(f, line))
    if (line.rfind(want, 0) == 0) return std::atoll(line.c_str() + want.size());
  return -1;
}

uint64_t dir_bytes(const std::filesystem::path& dir) {
  uint64_t n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file(ec)) n += it->file_size(ec);
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  const int days = argc > 1 ? std::atoi(argv[1]) : 30;
  const int copies = argc > 2 ? std::atoi(argv[2]) : 4;
  spdlog::set_level(std::getenv("SOAK_LOG") ? spdlog::level::info : spdlog::level::warn);
  const auto self_dir = std::filesystem::canonical("/proc/self/exe").parent_path();
  const auto tickgate_bin = self_dir.parent_path() / "tickgate";
  const auto dir = std::filesystem::temp_directory_path() / ("tickgate_soak_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);

  // The broker, in its own process; its first line names its bootstrap list.
  int out[2];
  if (pipe(out) != 0) return 1;
  const pid_t broker = fork();
  if (broker == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    execl(tickgate_bin.c_str(), "tickgate", "broker", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string bootstrap;
  if (FILE* f = fdopen(out[0], "r")) {
    char line[512];
    if (std::fgets(line, sizeof line, f) && std::string_view(line).starts_with("BOOTSTRAP ")) {
      bootstrap = line + 10;
      while (!bootstrap.empty() && (bootstrap.back() == '\n' || bootstrap.back() == '\r')) bootstrap.pop_back();
    }
  }
  if (bootstrap.empty()) {
    std::fprintf(stderr, "soak_bench: %s broker did not start\n", tickgate_bin.c_str());
    kill(broker, SIGKILL);
    return 1;
  }

  std::vector<std::string> sets{"storage.data_dir=\"" + (dir / "data").string() + "\"",
                                "kafka.group_id=\"soak-bench\""};
  for (int i = 3; i < argc; ++i) sets.push_back(argv[i]);
  auto cfg = load_config(std::string(TICKGATE_SOURCE_DIR) + "/config/default.json", sets);

  // D days of event time, published a day at a time while the pipeline runs, at most two
  // days ahead of it: librdkafka's mock broker keeps only about 240,000 records per partition
  // and deletes older ones, so a month cannot sit in it at once.
  const auto real = read_csv_ticks(std::string(TICKGATE_SOURCE_DIR) + "/data/sample/hf_multitrade_2014-09-17.csv",
                                   {"trades", "America/New_York", ""});
  const int64_t per_day = static_cast<int64_t>(real.size()) * copies;
  const int64_t total = per_day * days;
  std::printf("soak_bench: %d days x %lld ticks (%d copies of %zu real trades) = %lld ticks; "
              "retention: decisions %d days, ledger %d days\n",
              days, static_cast<long long>(per_day), copies, real.size(), static_cast<long long>(total),
              cfg->decisions_retention_days, cfg->ledger_retention_days);
  auto publish_day = [&](int d) {
    std::vector<tick> ticks;
    ticks.reserve(static_cast<size_t>(per_day));
    for (const auto& t : real)
      for (int k = 0; k < copies; ++k) {
        ticks.push_back(t);
        ticks.back().symbol += "." + std::to_string(k);
        ticks.back().ts += static_cast<int64_t>(d) * 86'400'000;
      }
    publish_ticks(bootstrap, cfg->kafka.ticks_topic, ticks, 0, cfg->kafka.compression);
  };
  publish_day(0);
  publish_day(1);
  { std::ofstream("/proc/self/clear_refs") << "5"; }  // peak RSS from here on

  stats_registry stats;
  pipeline_env env;
  env.cfg = cfg;
  env.stats = &stats;
  env.bootstrap = bootstrap;
  env.until_eof = false;  // stopped once every published tick is in
  resolve_provider(*cfg, env);
  auto store = open_rocksdb_store((dir / "data" / "db").string(), false);
  env.store = store.get();
  struct sample {
    uint64_t records;
    uint64_t disk;
    int64_t rss_kb;
    std::vector<uint64_t> columns = {};
    uint64_t wal = 0;
    uint64_t heap = 0;  // malloc'd and in use (RSS less what malloc holds free, less mappings)
  };
  auto take = [&](uint64_t n) {
    sample x{n, dir_bytes(dir / "data"), proc_status_kb("VmRSS")};
    x.heap = mallinfo2().uordblks;
    for (int c = 0; c < static_cast<int>(column::count_); ++c) x.columns.push_back(store->size_bytes(static_cast<column>(c)));
    std::error_code ec;
    for (auto& f : std::filesystem::directory_iterator(dir / "data" / "db", ec))
      if (f.path().extension() == ".log") x.wal += f.file_size(ec);
    return x;
  };
  std::vector<sample> samples;
  std::atomic<bool> stop{false}, done{false};
  std::thread monitor([&] {
    int next_day = 2;
    while (!done.load()) {
      const auto n = stats.total("tickgate_ingest_records_total");
      samples.push_back(take(n));
      if (next_day < days && static_cast<int64_t>(n) >= per_day * (next_day - 1)) publish_day(next_day++);
      if (static_cast<int64_t>(n) >= total) stop = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the sampling period
    }
  });
  const double wall = run_pipeline(env, stop);
  done = true;
  monitor.join();
  const auto records = stats.total("tickgate_ingest_records_total");
  samples.push_back(take(records));

  std::printf("  dead-lettered %llu, decisions %llu\n",
              static_cast<unsigned long long>(stats.total("tickgate_dlq_total")),
              static_cast<unsigned long long>(stats.total("tickgate_decisions_logged_total")));
  std::printf("  %llu records in %.1f s (%.0f records/s with group join), peak RSS %.0f MB\n",
              static_cast<unsigned long long>(records), wall, static_cast<double>(records) / wall,
              static_cast<double>(proc_status_kb("VmHWM")) / 1024);
  std::printf("  event day | records    | data dir MB | RSS MB | heap MB | WAL MB | by column (SST + memtable), MB\n");
  size_t s = 0;
  double disk_week = 0, rss_week = 0, disk_max_after = 0, rss_max_after = 0;
  for (int d = 1; d <= days; ++d) {
    while (s + 1 < samples.size() && samples[s].records < static_cast<uint64_t>(per_day * d)) ++s;
    const double disk = static_cast<double>(samples[s].disk) / 1e6, rss = static_cast<double>(samples[s].rss_kb) / 1024;
    std::printf("  %9d | %10llu | %11.1f | %6.0f | %7.0f | %6.1f |", d, static_cast<unsigned long long>(samples[s].records),
                disk, rss, static_cast<double>(samples[s].heap) / 1048576.0, static_cast<double>(samples[s].wal) / 1e6);
    for (size_t c = 0; c < samples[s].columns.size(); ++c)
      std::printf(" %s %.1f", to_string(static_cast<column>(c)), static_cast<double>(samples[s].columns[c]) / 1e6);
    std::printf("\n");
    if (d == 8) disk_week = disk, rss_week = rss;
    if (d > 8) disk_max_after = std::max(disk_max_after, disk), rss_max_after = std::max(rss_max_after, rss);
  }
  if (days > 8)
    std::printf("  after the first week: data dir %.1f MB at day 8, at most %.1f MB later; RSS %.0f MB "
                "at day 8, at most %.0f MB later\n", disk_week, disk_max_after, rss_week, rss_max_after);
  store.reset();
  kill(broker, SIGTERM);
  waitpid(broker, nullptr, 0);
  std::filesystem::remove_all(dir);
  return 0;
}
