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

/// "YYYY-MM-DD" and "YYYY-MM" of an instant, UTC.
inline std::string utc_day(int64_t ms) {
  auto c = civil_from_ms(ms);
  char buf[24];
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02d", static_cast<long long>(c.year), c.month, c.day);
  return buf;
}
inline std::string utc_month(int64_t ms) { return utc_day(ms).substr(0, 7); }

}  // namespace tickgate
