#pragma once
// A small flag parser: --name value, --name=value, repeatable flags, boolean switches. Unknown
// flags and missing values are usage errors naming the flag.
#include "common/user_error.hpp"
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace tickgate {

class usage_error : public user_error {
 public:
  using user_error::user_error;
};

struct flag_spec {
  std::string name;  // without dashes
  std::string help;
  bool takes_value = true;
  bool repeatable = false;
  std::string default_text;
};

/// Parsed flags of one subcommand.
class cli_args {
 public:
  cli_args(std::string command, std::vector<flag_spec> specs, int argc, char** argv, int first);
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  std::string get(const std::string& name, const std::string& fallback = "") const;
  std::vector<std::string> all(const std::string& name) const;
  bool help() const { return help_; }
  std::string usage() const;

 private:
  std::string command_;
  std::vector<flag_spec> specs_;
  std::map<std::string, std::vector<std::string>> values_;
  bool help_ = false;
};

}  // namespace tickgate
