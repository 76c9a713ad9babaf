#include "common/stats.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <sstream>

namespace tickgate {

std::string label_value(const std::string& labels, const std::string& key) {
  const std::string needle = key + "=\"";
  size_t pos = 0;
  while ((pos = labels.find(needle, pos)) != std::string::npos) {
    if (pos == 0 || labels[pos - 1] == ',') {
      pos += needle.size();
      return labels.substr(pos, labels.find('"', pos) - pos);
    }
    pos += needle.size();
  }
  return "";
}

counter& stats_registry::add_counter(const std::string& name, const std::string& labels,
                                     const std::string& help) {
  std::lock_guard guard{mutex_};
  for (auto& c : counters_)
    if (c.name() == name && c.labels() == labels) return c;
  return counters_.emplace_back(name, labels, help);
}

gauge& stats_registry::add_gauge(const std::string& name, const std::string& labels,
                                 const std::string& help) {
  std::lock_guard guard{mutex_};
  for (auto& g : gauges_)
    if (g.name() == name && g.labels() == labels) return g;
  return gauges_.emplace_back(name, labels, help);
}

void histogram::observe_n(double seconds, uint64_t n) noexcept {
  size_t i = 0;
  while (i < bounds.size() && seconds > bounds[i]) ++i;
  buckets_[i].fetch_add(n, std::memory_order_relaxed);
  const double ns = seconds > 0 ? seconds * 1e9 * static_cast<double>(n) + 0.5 : 0;
  sum_ns_.fetch_add(static_cast<uint64_t>(ns), std::memory_order_relaxed);
}

uint64_t histogram::cumulative(size_t i) const noexcept {
  uint64_t n = 0;
  for (size_t b = 0; b <= i && b < buckets_.size(); ++b) n += buckets_[b].load(std::memory_order_relaxed);
  return n;
}

double histogram::quantile_bound(double q) const noexcept {
  const uint64_t n = count();
  if (n == 0) return -1;
  const auto rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(n)));
  for (size_t i = 0; i < bounds.size(); ++i)
    if (cumulative(i) >= std::max<uint64_t>(rank, 1)) return bounds[i];
  return std::numeric_limits<double>::infinity();
}

const histogram* stats_registry::find_histogram(const std::string& name,
                                                const std::string& labels) const {
  std::lock_guard guard{mutex_};
  for (auto& h : histograms_)
    if (h.name() == name && h.labels() == labels) return &h;
  return nullptr;
}

histogram& stats_registry::add_histogram(const std::string& name, const std::string& labels,
                                         const std::string& help) {
  std::lock_guard guard{mutex_};
  for (auto& h : histograms_)
    if (h.name() == name && h.labels() == labels) return h;
  return histograms_.emplace_back(name, labels, help);
}

uint64_t stats_registry::total(const std::string& name) const {
  std::lock_guard guard{mutex_};
  uint64_t sum = 0;
  for (auto& c : counters_)
    if (c.name() == name) sum += c.value();
  return sum;
}

uint64_t stats_registry::value(const std::string& name, const std::string& labels) const {
  std::lock_guard guard{mutex_};
  for (auto& c : counters_)
    if (c.name() == name && c.labels() == labels) return c.value();
  return 0;
}

int64_t stats_registry::gauge_value(const std::string& name) const {
  std::lock_guard guard{mutex_};
  for (auto& g : gauges_)
    if (g.name() == name && g.labels().empty()) return g.value();
  return 0;
}

std::vector<const counter*> stats_registry::counters() const {
  std::lock_guard guard{mutex_};
  std::vector<const counter*> out;
  for (auto& c : counters_) out.push_back(&c);
  return out;
}

std::string stats_registry::prometheus_text() const {
  std::lock_guard guard{mutex_};
  std::ostringstream out;
  std::map<std::string, bool> seen;
  auto emit = [&](const auto& m, const char* type) {
    if (!seen[m.name()]) {
      out << "# HELP " << m.name() << ' ' << m.help() << "\n# TYPE " << m.name() << ' ' << type
          << '\n';
      seen[m.name()] = true;
    }
    out << m.name();
    if (!m.labels().empty()) out << '{' << m.labels() << '}';
    out << ' ' << m.value() << '\n';
  };
  for (auto& c : counters_) emit(c, "counter");
  for (auto& g : gauges_) emit(g, "gauge");
  for (auto& h : histograms_) {
    if (!seen[h.name()]) {
      out << "# HELP " << h.name() << ' ' << h.help() << "\n# TYPE " << h.name() << " histogram\n";
      seen[h.name()] = true;
    }
    const std::string sep = h.labels().empty() ? "" : ",";
    char le[32];
    for (size_t i = 0; i < histogram::bounds.size(); ++i) {
      std::snprintf(le, sizeof le, "%g", histogram::bounds[i]);
      out << h.name() << "_bucket{" << h.labels() << sep << "le=\"" << le << "\"} "
          << h.cumulative(i) << '\n';
    }
    const uint64_t total = h.count();  // read once: +Inf and _count agree
    out << h.name() << "_bucket{" << h.labels() << sep << "le=\"+Inf\"} " << total << '\n';
    const std::string lbl = h.labels().empty() ? "" : "{" + h.labels() + "}";
    std::snprintf(le, sizeof le, "%.9g", h.sum());
    out << h.name() << "_sum" << lbl << ' ' << le << '\n';
    out << h.name() << "_count" << lbl << ' ' << total << '\n';
  }
  return out.str();
}

}  // namespace tickgate
