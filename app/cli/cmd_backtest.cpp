#include <spdlog/spdlog.h>

#include <unistd.h>

#include <iostream>

#include "app/backtest/backtest_run.hpp"
#include "app/cli/cli_args.hpp"
#include "app/cli/commands.hpp"
#include "config/config.hpp"

namespace tickgate {

int cmd_backtest(int argc, char** argv) {
  cli_args args(
      "backtest",
      {{"csv", "replay this CSV of market data (or --topic)"},
       {"format", "format of --csv: trades|bars|quotes|generic|auto", true, false, "auto"},
       {"tz", "time zone of --csv times without offset (e.g. America/New_York)"},
       {"symbol", "symbol for a bars CSV (default: file name prefix)"},
       {"topic", "replay this topic (or --csv); read by manual assignment, no consumer group"},
       {"brokers", "bootstrap list of the broker holding --topic"},
       {"from", "start of the range, inclusive: ISO-8601 (UTC unless an offset is given) or epoch ms"},
       {"to", "end of the range, inclusive: same forms"},
       {"provider", "dry-run (price every call, send nothing), recorded (answers from --recorded), "
                    "or a configured provider name (real calls, within budget)", true, false, "dry-run"},
       {"recorded", "a previous run's data dir or backtest report dir (for --provider recorded)"},
       {"calibration", "a live run's data dir: dry-run prices start from the estimates its bills calibrated"},
       {"report", "directory for report.json, report.html and the replay's state", true, false,
        "./backtest-report"},
       {"config", "config file (JSON, comments allowed)", true, false, "config/default.json"},
       {"set", "override a config key: dotted.path=JSON", true, true},
       {"quiet", "no progress line and no pipeline log below warnings", false}},
      argc, argv, 2);
  if (args.help()) {
    std::cout << "tickgate backtest: replay a time range of a topic or a CSV on event time and report\n"
                 "cost, calls, cache hit rate and coverage of significant events against the naive\n"
                 "strategies (every tick; a 5- and 15-minute timer per agent)\n\n"
              << args.usage();
    return 0;
  }
  backtest_options o;
  o.config_path = args.get("config", default_config_path());
  o.sets = args.all("set");
  o.csv = args.get("csv");
  o.csv_opts = {args.get("format", "auto"), args.get("tz"), args.get("symbol")};
  o.topic = args.get("topic");
  o.brokers = args.get("brokers");
  auto when = [&](const char* flag) {
    try {
      return parse_time_ms(args.get(flag), "UTC");
    } catch (const std::exception& e) {
      throw usage_error(std::string("backtest: --") + flag + ": " + e.what());
    }
  };
  if (args.has("from")) o.from_ts = when("from");
  if (args.has("to")) o.to_ts = when("to");
  o.provider = args.get("provider", "dry-run");
  o.recorded_dir = args.get("recorded");
  o.calibration_dir = args.get("calibration");
  o.report_dir = args.get("report", "./backtest-report");
  const bool quiet = args.has("quiet");
  o.progress = !quiet && isatty(2);
  if (quiet) spdlog::set_level(spdlog::level::warn);
  else spdlog::set_level(spdlog::level::info);
  auto out = run_backtest(o);
  std::cout << report_table(out.report);
  if (!out.range_method.empty()) std::cout << "  topic range found by " << out.range_method << '\n';
  std::cout << "  replayed in " << out.seconds << " s; report: " << o.report_dir << "/report.html, "
            << o.report_dir << "/report.json\n";
  return 0;
}

}  // namespace tickgate
