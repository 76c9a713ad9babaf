#pragma once
// Coverage over a grid of judge settings: a design tuned to one setting of one judge does not
// hold on data it has not seen, so each kind is judged at every setting of its own axes crossed
// with every cooldown (backtest.significance.grid), and the worst setting is what counts.
#include <cstdint>
#include <string>
#include <vector>

#include "backtest/coverage.hpp"
#include "config/config.hpp"

namespace tickgate {

struct grid_point {
  std::string kind;     // a significant_kinds() entry
  std::string setting;  // the settings that differ from the base, e.g. "move_pct=1 move_window_s=60 cooldown_s=900"
  int64_t events = 0;
  int64_t covered = 0;
  double share_pct() const {
    return events ? 100.0 * static_cast<double>(covered) / static_cast<double>(events) : 100.0;
  }
};

/// Every grid point of every kind, in kind order, with the coverage of `fresh` on `ticks`.
std::vector<grid_point> coverage_grid(const significance_config& base, const std::vector<tick>& ticks,
                                      const analysis_times& fresh);

/// The worst point of `kind` that has events; nullptr when none has.
const grid_point* worst_point(const std::vector<grid_point>& grid, const std::string& kind);

}  // namespace tickgate
