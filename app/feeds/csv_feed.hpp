#pragma once
// Reads real market data CSVs into ticks: trades (DT,SYMBOL,PRICE,SIZE), one-minute bars
// (open_time,open,high,low,close,volume), quotes (ts,symbol,bid,ask[,...]) and the generic
// ts,symbol,price[,volume,bid,ask]. Local times without an offset need an explicit time zone.
#include "common/user_error.hpp"
#include <cstdint>
#include <istream>
#include <stdexcept>
#include <string>
#include <vector>

#include "messages/tick.hpp"

namespace tickgate {

/// A CSV that cannot be read; what() names the file, line and problem.
class csv_error : public user_error {
 public:
  using user_error::user_error;
};

struct csv_options {
  std::string format = "auto";  // trades | bars | quotes | generic | auto
  std::string tz;               // IANA name (America/New_York), UTC, or +HH:MM / -HH:MM
  std::string symbol;           // bars files carry none: this, else the file name's prefix
};

/// Converts a date-time text to epoch ms. Accepts "YYYY-MM-DD[ T]HH:MM:SS[.frac][Z|+HH:MM]"
/// or integer epoch milliseconds. Text without an offset is read in `tz` (required then).
int64_t parse_time_ms(const std::string& text, const std::string& tz);

std::vector<tick> read_csv_ticks(const std::string& path, const csv_options& opts,
                                 std::string* detected_format = nullptr);
/// The same from a stream; `path` names it in errors (and gives a bars file its symbol).
std::vector<tick> read_csv_ticks(std::istream& in, const std::string& path,
                                 const csv_options& opts, std::string* detected_format = nullptr);

}  // namespace tickgate
