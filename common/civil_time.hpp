#pragma once
// UTC calendar arithmetic on epoch milliseconds (proleptic Gregorian; H. Hinnant's algorithm).
#include <cstdint>
#include <cstdio>
#include <string>

namespace tickgate {

struct civil_date {
  int64_t year;
  int month;  // 1..12
  int day;    // 1..31
};

constexpr int64_t days_from_epoch_ms(int64_t ms) {
  int64_t d = ms / 86'400'000;
  return (ms % 86'400'000 < 0) ? d - 1 : d;
}

constexpr civil_date civil_from_ms(int64_t ms) {
  int64_t z = days_from_epoch_ms(ms) + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {m <= 2 ? y + 1 : y, m, d};
}

/// Days since the epoch of a civil date (the inverse of civil_from_ms).
constexpr int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/// Start and end (exclusive) of the UTC day and month holding `ms`, epoch milliseconds.
struct period_bounds {
  int64_t begin;
  int64_t end;
};
constexpr period_bounds utc_day_bounds(int64_t ms) {
  const int64_t b = days_from_epoch_ms(ms) * 86'400'000;
  return {b, b + 86'400'000};
}
constexpr period_bounds utc_month_bounds(int64_t ms) {
  const auto c = civil_from_ms(ms);
  const int64_t b = days_from_civil(c.year, c.month, 1);
  const int64_t e = c.month == 12 ? days_from_civil(c.year + 1, 1, 1) : days_from_civil(c.year, c.month + 1, 1);
  return {b * 86'400'000, e * 86'400'000};
}

/// "YYYY-MM-DD" and "YYYY-MM" of an instant, UTC.
inline std::string utc_day(int64_t ms) {
  auto c = civil_from_ms(ms);
  char buf[24];
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02d", static_cast<long long>(c.year), c.month, c.day);
  return buf;
}
inline std::string utc_month(int64_t ms) { return utc_day(ms).substr(0, 7); }

}  // namespace tickgate
