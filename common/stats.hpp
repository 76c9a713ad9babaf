#pragma once
// One list of counters per component, exported as-is on /metrics and in the run summary.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace tickgate {

/// The value of `key` in a Prometheus label set (`action="skip",reason="interval"`), or "".
std::string label_value(const std::string& labels, const std::string& key);

/// What names one series on /metrics: metric name, label set, help text.
class metric_id {
 public:
  metric_id(std::string name, std::string labels, std::string help)
      : name_(std::move(name)), labels_(std::move(labels)), help_(std::move(help)) {}
  const std::string& name() const { return name_; }
  const std::string& labels() const { return labels_; }
  const std::string& help() const { return help_; }

 private:
  std::string name_;
  std::string labels_;  // Prometheus label set without braces, e.g. `priority="high"`
  std::string help_;
};

/// A monotonically increasing counter; owned by a stats_registry, referenced by one component.
class counter : public metric_id {
 public:
  using metric_id::metric_id;
  void inc(uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

/// A value that goes up and down (in-flight calls, lag); same ownership as counter.
class gauge : public metric_id {
 public:
  using metric_id::metric_id;
  void set(int64_t v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void add(int64_t v) noexcept { value_.fetch_add(v, std::memory_order_relaxed); }
  int64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

/// A latency histogram in seconds with fixed buckets from 1 us to 60 s (1-2.5-5 steps), exported
/// as a Prometheus histogram (cumulative `_bucket{le=...}`, `_sum`, `_count`). Lock-free.
class histogram : public metric_id {
 public:
  static constexpr std::array<double, 23> bounds{
      1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3,
      1e-2, 2.5e-2, 5e-2, 0.1,  0.25,   0.5,  1,    2.5,    5,    10,   60};
  using metric_id::metric_id;
  void observe(double seconds) noexcept { observe_n(seconds, 1); }
  /// `n` observations of `seconds` each (a round's per-tick average): two atomic adds.
  void observe_n(double seconds, uint64_t n) noexcept;
  uint64_t count() const noexcept { return cumulative(bounds.size()); }
  double sum() const noexcept { return static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) * 1e-9; }
  /// Observations <= bounds[i] (cumulative); i == bounds.size(): all of them.
  uint64_t cumulative(size_t i) const noexcept;
  /// The upper bound of the bucket holding the q-quantile (0 < q <= 1): the quantile is at most
  /// this. +infinity when it lies above every bound; -1 with no observations.
  double quantile_bound(double q) const noexcept;

 private:
  std::array<std::atomic<uint64_t>, bounds.size() + 1> buckets_{};  // last: above every bound
  std::atomic<uint64_t> sum_ns_{0};
};

/// Observes the time from construction to destruction into a histogram.
class scoped_timer {
 public:
  explicit scoped_timer(histogram& h) : h_(h), start_(std::chrono::steady_clock::now()) {}
  ~scoped_timer() {
    h_.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
  }
  scoped_timer(const scoped_timer&) = delete;
  scoped_timer& operator=(const scoped_timer&) = delete;

 private:
  histogram& h_;
  std::chrono::steady_clock::time_point start_;
};

/// Observes a round of `n` ticks as `n` observations of the round's time over `n`: one clock
/// pair and two atomic adds per round instead of per tick (the stages' histograms are shared by
/// the shards, on different threads).
class round_timer {
 public:
  round_timer(histogram& h, size_t n) : h_(h), n_(n), start_(std::chrono::steady_clock::now()) {}
  ~round_timer() {
    if (n_ == 0) return;
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    h_.observe_n(s / static_cast<double>(n_), n_);
  }
  round_timer(const round_timer&) = delete;
  round_timer& operator=(const round_timer&) = delete;

 private:
  histogram& h_;
  size_t n_;
  std::chrono::steady_clock::time_point start_;
};

/// Owns every counter, gauge and histogram of one process; components register theirs at construction and
/// keep references (stable: deque never moves its elements).
class stats_registry {
 public:
  counter& add_counter(const std::string& name, const std::string& labels,
                       const std::string& help);
  gauge& add_gauge(const std::string& name, const std::string& labels, const std::string& help);
  histogram& add_histogram(const std::string& name, const std::string& labels,
                           const std::string& help);
  /// Sum of every counter with this name, over all label sets.
  uint64_t total(const std::string& name) const;
  /// Value of the counter with this exact name and label set, 0 if none.
  uint64_t value(const std::string& name, const std::string& labels) const;
  /// Prometheus text exposition of everything registered.
  std::string prometheus_text() const;
  std::vector<const counter*> counters() const;
  /// The histogram with this exact name and label set, or nullptr.
  const histogram* find_histogram(const std::string& name, const std::string& labels) const;
  /// Value of the unlabelled gauge with this name, 0 if none.
  int64_t gauge_value(const std::string& name) const;

 private:
  mutable std::mutex mutex_;
  std::deque<counter> counters_;
  std::deque<gauge> gauges_;
  std::deque<histogram> histograms_;
};

/// The per-tick processing time of one decision stage (prioritise, change, sampling, batching),
/// observed once per round as the round's average (round_timer).
inline histogram& stage_latency(stats_registry& r, const char* stage) {
  return r.add_histogram("tickgate_stage_seconds", std::string("stage=\"") + stage + "\"",
                         "Time a decision stage spends on one tick (its round's average)");
}

}  // namespace tickgate
