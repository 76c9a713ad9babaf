// Any bytes as the config file: load_config returns a validated config or throws config_error
// (one line naming the key); any other exception escapes and is a crash.
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <string>

#include "config/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tickgate;
  static const std::string dir = [] {
    std::string d = "/tmp/tickgate-fuzz-config-" + std::to_string(getpid());
    std::string cmd = "mkdir -p " + d + " && cp " TICKGATE_SOURCE_DIR "/config/pricing.json " + d;
    if (std::system(cmd.c_str()) != 0) __builtin_trap();
    return d;
  }();
  const std::string path = dir + "/fuzz.json";
  {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    auto c = load_config(path, {});
    if (c->agents.empty() || c->providers.empty()) __builtin_trap();
  } catch (const config_error& e) {
    if (std::string(e.what()).empty()) __builtin_trap();
  }
  return 0;
}
