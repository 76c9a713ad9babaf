#include <fstream>
#include <iostream>
#include <stdexcept>

#include "app/cli/cli_args.hpp"
#include "app/cli/commands.hpp"
#include "backtest/scenarios.hpp"

namespace tickgate {

int cmd_scenario(int argc, char** argv) {
  cli_args args("scenario",
                {{"name", "quiet_day, slow_drift, flash_crash, volume_surge or spread_blowout"},
                 {"seed", "the generator's seed (a whole number)", true, false, "1"},
                 {"csv", "write the session here (default: stdout)"}},
                argc, argv, 2);
  if (args.help()) {
    std::cout << "tickgate scenario: write a synthetic session with known answers as a CSV\n"
                 "(ts,symbol,price,volume,bid,ask) that `tickgate backtest --csv` and\n"
                 "`tickgate publish` read: one symbol, a quote every 5 s for 4 hours, the\n"
                 "injected events 2.5 hours in, listed on stderr with their event times.\n\n"
              << args.usage();
    return 0;
  }
  if (!args.has("name")) throw usage_error("scenario: --name is required");
  uint64_t seed = 0;
  try {
    size_t used = 0;
    const std::string text = args.get("seed", "1");
    seed = std::stoull(text, &used);
    if (used != text.size()) throw std::invalid_argument(text);
  } catch (const std::exception&) {
    throw usage_error("scenario: --seed must be a whole number, got '" + args.get("seed") + "'");
  }
  scenario s;
  try {
    s = make_scenario(args.get("name"), seed);
  } catch (const std::invalid_argument& e) {
    throw usage_error(std::string(e.what()) + " (quiet_day, slow_drift, flash_crash, volume_surge, spread_blowout)");
  }
  for (auto& e : s.injected) std::cerr << "injected " << e.kind << " at " << e.ts << ": " << e.what << '\n';
  if (!args.has("csv")) {
    std::cout << scenario_csv(s);
    return 0;
  }
  std::ofstream out(args.get("csv"));
  out << scenario_csv(s);
  if (!out) throw usage_error("scenario: --csv " + args.get("csv") + ": cannot write");
  return 0;
}

}  // namespace tickgate
