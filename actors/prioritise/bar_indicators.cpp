#include "actors/prioritise/bar_indicators.hpp"

#include <algorithm>
#include <cmath>

namespace tickgate {

void bar_indicators::on_bar(double high, double low, double close) {
  closes_.push_back(close);
  if (static_cast<int>(closes_.size()) > m_) closes_.pop_front();
  if (!have_prev_) {
    have_prev_ = true;
    prev_high_ = high, prev_low_ = low, prev_close_ = close;
    return;
  }
  const double tr = std::max({high - low, std::abs(high - prev_close_), std::abs(low - prev_close_)});
  const double up = high - prev_high_, down = prev_low_ - low;
  const double plus_dm = up > down && up > 0 ? up : 0;
  const double minus_dm = down > up && down > 0 ? down : 0;
  prev_high_ = high, prev_low_ = low, prev_close_ = close;
  ++bars_;
  if (bars_ <= n_) {  // the first n bars are summed, then Wilder-smoothed
    tr_s_ += tr, plus_s_ += plus_dm, minus_s_ += minus_dm;
  } else {
    tr_s_ += tr - tr_s_ / n_;
    plus_s_ += plus_dm - plus_s_ / n_;
    minus_s_ += minus_dm - minus_s_ / n_;
  }
  if (bars_ < n_ || tr_s_ <= 0) return;
  const double pdi = 100 * plus_s_ / tr_s_, mdi = 100 * minus_s_ / tr_s_;
  const double dx = pdi + mdi > 0 ? 100 * std::abs(pdi - mdi) / (pdi + mdi) : 0;
  ++dx_count_;
  if (dx_count_ <= n_) {
    dx_sum_ += dx;
    adx_ = dx_sum_ / dx_count_;
  } else {
    adx_ = (adx_ * (n_ - 1) + dx) / n_;
  }
}

double bar_indicators::di_spread() const {
  if (bars_ < n_ || tr_s_ <= 0) return k_absent;
  return 100 * (plus_s_ - minus_s_) / tr_s_;
}

double bar_indicators::bollinger_position(double price) const {
  if (static_cast<int>(closes_.size()) < m_) return k_absent;
  double mean = 0;
  for (double c : closes_) mean += c;
  mean /= m_;
  double var = 0;
  for (double c : closes_) var += (c - mean) * (c - mean);
  const double sd = std::sqrt(var / m_);
  if (sd <= 0) return 0.5;
  const double lower = mean - k_ * sd;
  return (price - lower) / (2 * k_ * sd);
}

}  // namespace tickgate
