#include "app/cli/cli_args.hpp"

#include <sstream>

namespace tickgate {

cli_args::cli_args(std::string command, std::vector<flag_spec> specs, int argc, char** argv,
                   int first)
    : command_(std::move(command)), specs_(std::move(specs)) {
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      help_ = true;
      continue;
    }
    if (a.rfind("--", 0) != 0) throw usage_error(command_ + ": unexpected argument '" + a + "'");
    std::string name = a.substr(2), value;
    bool inline_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    const flag_spec* spec = nullptr;
    for (auto& s : specs_)
      if (s.name == name) spec = &s;
    if (!spec) throw usage_error(command_ + ": unknown flag --" + name + " (see --help)");
    if (spec->takes_value && !inline_value) {
      if (i + 1 >= argc) throw usage_error(command_ + ": --" + name + " needs a value");
      value = argv[++i];
    } else if (!spec->takes_value && inline_value) {
      throw usage_error(command_ + ": --" + name + " takes no value");
    }
    if (!spec->repeatable && values_.count(name))
      throw usage_error(command_ + ": --" + name + " given twice");
    values_[name].push_back(value);
  }
}

std::string cli_args::get(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second.back();
}

std::vector<std::string> cli_args::all(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

std::string cli_args::usage() const {
  std::ostringstream o;
  o << "usage: tickgate " << command_ << " [flags]\n\nflags:\n";
  for (auto& s : specs_) {
    std::string left = "  --" + s.name + (s.takes_value ? " VALUE" : "");
    o << left << std::string(left.size() < 28 ? 28 - left.size() : 1, ' ') << s.help;
    if (!s.default_text.empty()) o << " (default: " << s.default_text << ")";
    if (s.repeatable) o << " [repeatable]";
    o << '\n';
  }
  o << "  --help                    this text\n";
  return o.str();
}

}  // namespace tickgate
