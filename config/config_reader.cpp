#include "config/config_reader.hpp"

#include <cmath>
#include <cstdio>

namespace tickgate {
namespace {
std::string number_text(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}
}  // namespace

config_reader::config_reader(const nlohmann::json& obj, std::string path)
    : obj_(obj), path_(std::move(path)) {
  if (!obj_.is_object()) throw config_error("config: " + (path_.empty() ? "<root>" : path_) +
                                            ": must be an object");
}

std::string config_reader::key_path(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

void config_reader::fail(const std::string& key, const std::string& what) const {
  throw config_error("config: " + key_path(key) + ": " + what);
}

bool config_reader::has(const std::string& key) const { return obj_.contains(key); }

const nlohmann::json& config_reader::raw(const std::string& key) {
  used_.insert(key);
  return obj_.at(key);
}

void config_reader::read(const std::string& key, std::string& out, bool non_empty) {
  if (!has(key)) return;
  auto& v = raw(key);
  if (!v.is_string()) fail(key, "must be a string");
  out = v.get<std::string>();
  if (non_empty && out.empty()) fail(key, "must not be empty");
}

void config_reader::read(const std::string& key, bool& out) {
  if (!has(key)) return;
  auto& v = raw(key);
  if (!v.is_boolean()) fail(key, "must be true or false");
  out = v.get<bool>();
}

void config_reader::read(const std::string& key, double& out, double lo, double hi) {
  if (!has(key)) return;
  auto& v = raw(key);
  if (!v.is_number()) fail(key, "must be a number");
  double d = v.get<double>();
  if (!std::isfinite(d) || d < lo || d > hi)
    fail(key, "must be between " + number_text(lo) + " and " + number_text(hi) + ", got " +
                  v.dump());
  out = d;
}

void config_reader::read(const std::string& key, int64_t& out, int64_t lo, int64_t hi) {
  if (!has(key)) return;
  auto& v = raw(key);
  if (!v.is_number_integer()) fail(key, "must be an integer");
  auto i = v.get<int64_t>();
  if (i < lo || i > hi)
    fail(key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " +
                  v.dump());
  out = i;
}

void config_reader::read(const std::string& key, int32_t& out, int64_t lo, int64_t hi) {
  int64_t wide = out;
  read(key, wide, lo, hi);
  out = static_cast<int32_t>(wide);
}

void config_reader::read_seconds(const std::string& key, int64_t& out_ms, double lo_s,
                                 double hi_s) {
  double s = static_cast<double>(out_ms) / 1000.0;
  read(key, s, lo_s, hi_s);
  out_ms = static_cast<int64_t>(std::llround(s * 1000.0));
}

config_reader config_reader::child(const std::string& key) {
  static const nlohmann::json empty = nlohmann::json::object();
  if (!has(key)) return config_reader{empty, key_path(key)};
  auto& v = raw(key);
  if (!v.is_object()) fail(key, "must be an object");
  return config_reader{v, key_path(key)};
}

void config_reader::finish() const {
  for (auto& [k, v] : obj_.items())
    if (!used_.count(k) && k.rfind("_comment", 0) != 0) fail(k, "unknown key");
}

}  // namespace tickgate
