#include "backtest/judge_grid.hpp"

#include <cstdio>
#include <functional>

namespace tickgate {
namespace {

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}
std::string secs(int64_t ms) { return num(static_cast<double>(ms) / 1000); }

// Calls `each(config, setting)` for every setting of `kind`'s axes crossed with the cooldowns.
void for_each_setting(const significance_config& base, const std::string& kind,
                      const std::function<void(const significance_config&, const std::string&)>& each) {
  const auto& g = base.grid;
  for (int64_t cool : kind == "volume_spike" ? g.volume_cooldown_ms : g.cooldown_ms) {
    significance_config c = base;
    c.cooldown_ms = cool;
    const std::string tail = "cooldown_s=" + secs(cool);
    if (kind == "price_move") {
      for (double pct : g.move_pct)
        for (int64_t w : g.move_window_ms) {
          c.move_pct = pct;
          c.move_window_ms = w;
          each(c, "move_pct=" + num(pct) + " move_window_s=" + secs(w) + " " + tail);
        }
    } else if (kind == "volume_spike") {
      for (double m : g.volume_multiplier)
        for (int32_t n : g.volume_avg_minutes) {
          c.volume_multiplier = m;
          c.volume_avg_minutes = n;
          each(c, "volume_multiplier=" + num(m) + " volume_avg_minutes=" + std::to_string(n) + " " + tail);
        }
    } else if (kind == "spread_blowout") {
      for (double f : g.spread_factor) {
        c.spread_factor = f;
        each(c, "spread_factor=" + num(f) + " " + tail);
      }
    } else if (kind == "volatility_jump") {
      for (double f : g.vol_jump_factor) {
        c.vol_jump_factor = f;
        each(c, "vol_jump_factor=" + num(f) + " " + tail);
      }
    } else {
      each(c, tail);
    }
  }
}

}  // namespace

std::vector<grid_point> coverage_grid(const significance_config& base, const std::vector<tick>& ticks,
                                      const analysis_times& fresh) {
  std::vector<grid_point> out;
  for (auto& kind : significant_kinds())
    for_each_setting(base, kind, [&](const significance_config& c, const std::string& setting) {
      significance_detector judge(c, kind);
      std::vector<significant_event> events;
      for (auto& t : ticks) judge.observe(t, events);
      const auto cov = measure_coverage(events, fresh, c.reaction_window_ms);
      out.push_back({kind, setting, cov.events, cov.covered});
    });
  return out;
}

const grid_point* worst_point(const std::vector<grid_point>& grid, const std::string& kind) {
  const grid_point* worst = nullptr;
  for (auto& p : grid)
    if (p.kind == kind && p.events > 0 && (!worst || p.share_pct() < worst->share_pct())) worst = &p;
  return worst;
}

}  // namespace tickgate
