#include "backtest/scenarios.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace tickgate {
namespace {

constexpr int64_t k_start = 1'704'205'800'000;  // 2024-01-02T14:30:00Z
constexpr int64_t k_step = 5'000;               // a quote every 5 s
constexpr int k_per_minute = 12;
constexpr int k_minutes = 240;
constexpr int k_event_minute = 150;  // events start 2.5 hours in
constexpr double k_swing = 0.0003;   // minute closes alternate +-0.03% around the centre
constexpr double k_jitter = 0.0001;  // ticks within a minute wander +-0.01%
constexpr double k_volume = 10;      // per tick, +-30%
constexpr double k_spread = 0.02;    // +-10%

// SplitMix64: small, fast and the same on every platform.
struct rng {
  uint64_t x;
  double uniform() {  // [0, 1)
    uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return static_cast<double>((z ^ (z >> 31)) >> 11) / 9007199254740992.0;
  }
  double around(double v, double rel) { return v * (1 + rel * (2 * uniform() - 1)); }
};

// The centre of the price at a minute (fractional), per scenario.
double centre(const std::string& name, double minute) {
  if (name == "slow_drift") return 100 * (1 + 0.015 * minute / k_minutes);
  if (name == "flash_crash") {
    const double m = minute - k_event_minute;
    if (m <= 0) return 100;
    if (m <= 2) return 100 * (1 - 0.03 * m / 2);  // -3% over two minutes
    if (m <= 3) return 97;                         // a minute at the bottom
    if (m <= 8) return 97 + 3 * (m - 3) / 5;       // back over five minutes
    return 100;
  }
  return 100;
}

double volume_factor(const std::string& name, int minute) {
  if (name == "volume_surge") {
    if (minute == k_event_minute) return 2;
    if (minute == k_event_minute + 1) return 4;
    if (minute == k_event_minute + 2) return 8;
  }
  if (name == "flash_crash" && minute >= k_event_minute && minute < k_event_minute + 8) return 3;
  return 1;
}

double spread_factor(const std::string& name, int minute) {
  return name == "spread_blowout" && minute >= k_event_minute && minute < k_event_minute + 2 ? 5 : 1;
}

}  // namespace

const std::vector<std::string>& scenario_names() {
  static const std::vector<std::string> n{"quiet_day", "slow_drift", "flash_crash", "volume_surge",
                                          "spread_blowout"};
  return n;
}

scenario make_scenario(const std::string& name, uint64_t seed) {
  bool known = false;
  for (auto& n : scenario_names()) known = known || n == name;
  if (!known) throw std::invalid_argument("scenario: unknown name '" + name + "'");
  scenario s;
  s.name = name;
  rng r{seed * 0x2545F4914F6CDD1DULL + 17};
  std::vector<double> minute_volumes;
  double pre_crash = 0, bottom = 1e300;
  bool crash_seen = false, recovery_seen = false, spread_seen = false;
  for (int m = 0; m < k_minutes; ++m) {
    // Minute closes swing +-k_swing around the centre, alternately; ticks within the minute
    // move from one swing to the next along the centre's path, with a little jitter.
    const double swing_from = m % 2 ? -k_swing : k_swing, swing_to = -swing_from;
    double minute_volume = 0;
    double hour_mean = 0;
    const size_t n = minute_volumes.size();
    for (size_t i = n >= 60 ? n - 60 : 0; i < n; ++i) hour_mean += minute_volumes[i] / 60;
    bool surge_seen = false;
    for (int j = 0; j < k_per_minute; ++j) {
      tick t;
      t.symbol = "SYN";
      t.ts = k_start + (static_cast<int64_t>(m) * k_per_minute + j) * k_step;
      const double f = static_cast<double>(j + 1) / k_per_minute;
      const double price = centre(name, m + f) * (1 + swing_from + (swing_to - swing_from) * f);
      t.price = j + 1 == k_per_minute ? price : r.around(price, k_jitter);
      t.volume = r.around(k_volume * volume_factor(name, m), 0.3);
      const double spread = r.around(k_spread * spread_factor(name, m), 0.1);
      t.bid = t.price - spread / 2;
      t.ask = t.price + spread / 2;
      minute_volume += t.volume;
      s.ticks.push_back(t);
      // The events by construction, at the first tick that makes them so.
      if (name == "flash_crash") {
        if (m < k_event_minute) pre_crash = t.price;
        if (m >= k_event_minute) bottom = std::min(bottom, t.price);
        if (!crash_seen && m >= k_event_minute && t.price <= pre_crash * 0.99) {
          crash_seen = true;
          s.injected.push_back({"sharp_move", t.ts, "crash: 1% below the last price before it"});
        }
        if (crash_seen && !recovery_seen && m >= k_event_minute + 3 && t.price >= bottom * 1.01) {
          recovery_seen = true;
          s.injected.push_back({"sharp_move", t.ts, "recovery: 1% above the bottom"});
        }
      } else if (name == "volume_surge" && !surge_seen && m >= k_event_minute && minute_volume >= 3 * hour_mean) {
        surge_seen = true;  // once a minute: a surge that goes on is an event each minute
        s.injected.push_back({"volume_surge", t.ts, "minute volume 3x the hour's mean"});
      } else if (name == "spread_blowout" && !spread_seen && m >= k_event_minute && spread >= 3 * k_spread) {
        spread_seen = true;
        s.injected.push_back({"spread_blowout", t.ts, "spread 5x its usual"});
      }
    }
    minute_volumes.push_back(minute_volume);
  }
  s.from_ts = s.ticks.front().ts;
  s.to_ts = s.ticks.back().ts;
  return s;
}

std::string scenario_csv(const scenario& s) {
  std::string out = "ts,symbol,price,volume,bid,ask\n";
  char buf[160];
  for (auto& t : s.ticks) {
    std::snprintf(buf, sizeof buf, "%lld,%s,%.6f,%.4f,%.6f,%.6f\n", static_cast<long long>(t.ts),
                  t.symbol.c_str(), t.price, t.volume, t.bid, t.ask);
    out += buf;
  }
  return out;
}

}  // namespace tickgate
