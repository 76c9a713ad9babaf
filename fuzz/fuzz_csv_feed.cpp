// Any bytes as a CSV file, in every format and a few time zones: read_csv_ticks returns ticks
// or throws csv_error (one line naming the problem); anything else escapes and is a crash.
#include <cstdint>
#include <sstream>
#include <string>

#include "app/feeds/csv_feed.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tickgate;
  if (size < 1) return 0;
  static const char* formats[] = {"auto", "trades", "bars", "quotes", "generic"};
  static const char* zones[] = {"", "UTC", "America/New_York", "+05:30"};
  csv_options o;
  o.format = formats[data[0] % 5];
  o.tz = zones[(data[0] / 5) % 4];
  std::istringstream in(std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  try {
    read_csv_ticks(in, "fuzz.csv", o);
  } catch (const csv_error& e) {
    if (std::string(e.what()).empty()) __builtin_trap();
  }
  return 0;
}
