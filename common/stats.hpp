#pragma once
// One list of counters per component, exported as-is on /metrics and in the run summary.
#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace tickgate {

/// The value of `key` in a Prometheus label set (`action="skip",reason="interval"`), or "".
std::string label_value(const std::string& labels, const std::string& key);

/// A monotonically increasing counter; owned by a stats_registry, referenced by one component.
class counter {
 public:
  counter(std::string name, std::string labels, std::string help)
      : name_(std::move(name)), labels_(std::move(labels)), help_(std::move(help)) {}
  void inc(uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }
  const std::string& name() const { return name_; }
  const std::string& labels() const { return labels_; }
  const std::string& help() const { return help_; }

 private:
  std::string name_;
  std::string labels_;  // Prometheus label set without braces, e.g. `priority="high"`
  std::string help_;
  std::atomic<uint64_t> value_{0};
};

/// A value that goes up and down (in-flight calls, lag); same ownership as counter.
class gauge {
 public:
  gauge(std::string name, std::string labels, std::string help)
      : name_(std::move(name)), labels_(std::move(labels)), help_(std::move(help)) {}
  void set(int64_t v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void add(int64_t v) noexcept { value_.fetch_add(v, std::memory_order_relaxed); }
  int64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }
  const std::string& name() const { return name_; }
  const std::string& labels() const { return labels_; }
  const std::string& help() const { return help_; }

 private:
  std::string name_;
  std::string labels_;
  std::string help_;
  std::atomic<int64_t> value_{0};
};

/// Owns every counter and gauge of one process; components register theirs at construction and
/// keep references (stable: deque never moves its elements).
class stats_registry {
 public:
  counter& add_counter(const std::string& name, const std::string& labels,
                       const std::string& help);
  gauge& add_gauge(const std::string& name, const std::string& labels, const std::string& help);
  /// Sum of every counter with this name, over all label sets.
  uint64_t total(const std::string& name) const;
  /// Value of the counter with this exact name and label set, 0 if none.
  uint64_t value(const std::string& name, const std::string& labels) const;
  /// Prometheus text exposition of everything registered.
  std::string prometheus_text() const;
  std::vector<const counter*> counters() const;
  /// Value of the unlabelled gauge with this name, 0 if none.
  int64_t gauge_value(const std::string& name) const;

 private:
  mutable std::mutex mutex_;
  std::deque<counter> counters_;
  std::deque<gauge> gauges_;
};

}  // namespace tickgate
