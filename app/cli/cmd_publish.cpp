#include <fstream>
#include <iostream>

#include "app/cli/cli_args.hpp"
#include "app/cli/commands.hpp"
#include "app/feeds/csv_feed.hpp"
#include "app/feeds/publisher.hpp"
#include "kafka/kafka_health.hpp"
#include "config/config.hpp"

namespace tickgate {

int cmd_publish(int argc, char** argv) {
  cli_args args("publish",
                {{"csv", "CSV file of market data"},
                 {"format", "trades|bars|quotes|generic|auto", true, false, "auto"},
                 {"tz", "time zone of times without offset (IANA name, UTC, or +HH:MM)"},
                 {"symbol", "symbol for a bars CSV (default: file name prefix)"},
                 {"speed", "max, or N: event time N times faster than real time", true, false,
                  "max"},
                 {"brokers", "Kafka bootstrap list"},
                 {"bootstrap-file", "read the bootstrap list from this file"},
                 {"topic", "input topic", true, false, "market.ticks"},
                 {"compression", "none|gzip|snappy|lz4|zstd", true, false, "lz4"},
                 {"connect-timeout", "seconds to wait for a broker before exit 1", true, false, "30"}},
                argc, argv, 2);
  if (args.help()) {
    std::cout << "tickgate publish: publish a CSV of market data as ticks (key = symbol)\n\n"
              << args.usage();
    return 0;
  }
  if (!args.has("csv")) throw usage_error("publish: --csv is required");
  std::string bootstrap = args.get("brokers");
  if (bootstrap.empty() && args.has("bootstrap-file")) {
    std::ifstream f(args.get("bootstrap-file"));
    if (!(f >> bootstrap))
      throw usage_error("publish: cannot read --bootstrap-file " + args.get("bootstrap-file"));
  }
  if (bootstrap.empty()) throw usage_error("publish: --brokers or --bootstrap-file is required");
  double speed = 0;
  if (auto s = args.get("speed", "max"); s != "max") {
    try {
      speed = std::stod(s);
    } catch (const std::exception&) {
      speed = -1;
    }
    if (!(speed > 0)) throw usage_error("publish: --speed must be 'max' or a number > 0");
  }
  double connect_s = 0;
  try {
    connect_s = std::stod(args.get("connect-timeout", "30"));
  } catch (const std::exception&) {
    connect_s = -1;
  }
  if (!(connect_s >= 1 && connect_s <= 3600))
    throw usage_error("publish: --connect-timeout must be seconds in [1, 3600]");
  csv_options o{args.get("format", "auto"), args.get("tz"), args.get("symbol")};
  std::string fmt;
  auto ticks = read_csv_ticks(args.get("csv"), o, &fmt);
  if (std::string err; !kafka_reachable(bootstrap, static_cast<int64_t>(connect_s * 1000), {}, err))
    throw std::runtime_error("publish: " + err);
  auto r = publish_ticks(bootstrap, args.get("topic", "market.ticks"), ticks, speed,
                         args.get("compression", "lz4"));
  std::cout << "published " << r.sent << " ticks (" << fmt << ") to "
            << args.get("topic", "market.ticks") << " in " << r.seconds << " s";
  if (r.failed) std::cout << ", " << r.failed << " failed";
  std::cout << std::endl;
  return r.failed ? 1 : 0;
}

}  // namespace tickgate
