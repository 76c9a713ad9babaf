#include "actors/alerts/alert_policy.hpp"

#include <nlohmann/json.hpp>

namespace tickgate {

bool alert_dedup::admit(const std::string& key, int64_t ts) {
  auto it = last_.find(key);
  if (it != last_.end() && ts - it->second < window_ms_) {
    ++suppressed_;
    return false;
  }
  if (last_.size() > 4096) {  // keys are few (levels, routes); bound it anyway
    for (auto i = last_.begin(); i != last_.end();)
      i = ts - i->second >= window_ms_ ? last_.erase(i) : std::next(i);
  }
  last_[key] = ts;
  return true;
}

bool dlq_rate_alarm::observe(bool dead_lettered) {
  if (seen_ == window_) seen_ = bad_ = 0, fired_ = false;  // a new block
  ++seen_;
  if (dead_lettered) ++bad_;
  if (fired_ || 100.0 * bad_ <= max_pct_ * window_) return false;
  fired_ = true;
  fired_seen_ = seen_;
  fired_bad_ = bad_;
  return true;
}

namespace {
nlohmann::json fields_of(const alert& a) {
  auto f = nlohmann::json::parse(a.fields_json.empty() ? "{}" : a.fields_json, nullptr, false);
  return f.is_object() ? f : nlohmann::json::object();
}
}  // namespace

std::string alert_json(const alert& a, const std::string& instance) {
  nlohmann::json j{{"kind", a.kind},       {"key", a.key},         {"severity", a.severity},
                   {"ts", a.ts},           {"message", a.message}, {"fields", fields_of(a)},
                   {"instance", instance}};
  return j.dump();
}

std::string alert_log_line(const alert& a) {
  std::string line = "alert kind=" + a.kind + " key=" + a.key + " severity=" + a.severity +
                     " ts=" + std::to_string(a.ts);
  const auto fields = fields_of(a);
  for (auto& [k, v] : fields.items()) {
    // Bare when the value is one token, JSON-quoted otherwise, so the line splits on spaces.
    std::string text = v.is_string() ? v.get<std::string>() : v.dump();
    if (v.is_string() && text.find_first_of(" \"=\n\t") != std::string::npos) text = v.dump();
    line += " " + k + "=" + text;
  }
  return line + " msg=" + nlohmann::json(a.message).dump();
}

}  // namespace tickgate
