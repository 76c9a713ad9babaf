#pragma once
// Walks one JSON object of the config, reading typed keys with bounds and naming the dotted key
// in every error; keys it was not asked for are rejected as unknown (typos fail loudly).
#include <nlohmann/json.hpp>

#include <set>
#include <string>

#include "config/config.hpp"

namespace tickgate {

class config_reader {
 public:
  config_reader(const nlohmann::json& obj, std::string path);
  ~config_reader() = default;

  [[noreturn]] void fail(const std::string& key, const std::string& what) const;
  std::string key_path(const std::string& key) const;
  bool has(const std::string& key) const;

  void read(const std::string& key, std::string& out, bool non_empty = false);
  void read(const std::string& key, bool& out);
  void read(const std::string& key, double& out, double lo, double hi);
  void read(const std::string& key, int32_t& out, int64_t lo, int64_t hi);
  void read(const std::string& key, int64_t& out, int64_t lo, int64_t hi);
  /// Seconds in the file (fractions allowed), milliseconds in the struct.
  void read_seconds(const std::string& key, int64_t& out_ms, double lo_s, double hi_s);
  config_reader child(const std::string& key);
  const nlohmann::json& raw(const std::string& key);
  /// Rejects keys that were never read.
  void finish() const;

 private:
  const nlohmann::json& obj_;
  std::string path_;
  std::set<std::string> used_;
};

}  // namespace tickgate
