#include "actors/budget/budget_policy.hpp"

#include <algorithm>

#include "common/civil_time.hpp"

namespace tickgate {

int64_t budget_policy::day_of(int64_t ms) { return days_from_epoch_ms(ms); }

int64_t budget_policy::month_of(int64_t ms) {
  auto c = civil_from_ms(ms);
  return c.year * 12 + (c.month - 1);
}

void budget_policy::roll(int64_t now_ms) {
  int64_t d = day_of(now_ms), m = month_of(now_ms);
  if (d > day_) {
    day_ = d;
    spent_day_ = 0;
  }
  if (m > month_) {
    month_ = m;
    spent_month_ = 0;
  }
}

bool budget_policy::try_reserve(picousd worst_case, int64_t now_ms) {
  roll(now_ms);
  if (spent_day_ + reserved_ + worst_case > daily_limit_) return false;
  if (spent_month_ + reserved_ + worst_case > monthly_limit_) return false;
  reserved_ += worst_case;
  return true;
}

void budget_policy::settle(picousd reserved, picousd actual) {
  reserved_ = std::max<picousd>(0, reserved_ - reserved);
  spent_day_ += actual;
  spent_month_ += actual;
}

picousd worst_case_cost(int64_t prompt_bytes, int64_t messages, int64_t max_tokens,
                        picousd input_price, picousd cache_write_price, picousd output_price) {
  int64_t prompt_tokens = prompt_bytes + 8 * messages + 8;
  return prompt_tokens * std::max(input_price, cache_write_price) + max_tokens * output_price;
}

}  // namespace tickgate
