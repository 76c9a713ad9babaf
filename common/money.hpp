#pragma once
// Money is counted in integer pico-dollars (1e-12 USD): sums are exact, comparisons against a
// budget cannot drift, and every per-token price in the LiteLLM list is a whole number of them.
#include <cmath>
#include <cstdint>

namespace tickgate {

using picousd = int64_t;

constexpr picousd usd_to_pico(double usd) { return static_cast<picousd>(usd * 1e12 + (usd >= 0 ? 0.5 : -0.5)); }
constexpr double pico_to_usd(picousd p) { return static_cast<double>(p) / 1e12; }

}  // namespace tickgate
