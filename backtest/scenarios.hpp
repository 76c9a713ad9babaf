#pragma once
// Synthetic sessions with known answers: a quiet market with injected events (a flash crash
// and its recovery, a volume surge that builds over three minutes, a spread blow-out) and
// stretches that should cost nothing beyond the periodic calls (a slow drift, a noisy quiet
// day). Each session is one symbol, a quote every 5 s for 4 hours; the first two hours are the
// history the hour-long windows need. Deterministic for a name and a seed.
#include <cstdint>
#include <string>
#include <vector>

#include "messages/tick.hpp"

namespace tickgate {

struct injected_event {
  std::string kind;  // sharp_move | volume_surge | spread_blowout
  int64_t ts = 0;    // the first tick at which it is significant by construction
  std::string what;
};

struct scenario {
  std::string name;
  std::vector<tick> ticks;
  std::vector<injected_event> injected;  // empty for the quiet ones
  int64_t from_ts = 0, to_ts = 0;
};

/// quiet_day, slow_drift, flash_crash, volume_surge, spread_blowout.
const std::vector<std::string>& scenario_names();

/// Throws std::invalid_argument for an unknown name.
scenario make_scenario(const std::string& name, uint64_t seed = 1);

/// The ticks as the generic CSV (ts,symbol,price,volume,bid,ask) that `tickgate backtest` reads.
std::string scenario_csv(const scenario& s);

}  // namespace tickgate
