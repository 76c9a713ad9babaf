#pragma once
// Trend and range indicators on one-minute bars, for the rule-based analyst and the prompts:
// Wilder's ATR(n) and ADX(n) with +DI/-DI, and Bollinger bands (m closes, k standard
// deviations). Pure; one instance per symbol.
#include <deque>

#include "messages/tick.hpp"

namespace tickgate {

class state_writer;
class state_reader;

class bar_indicators {
 public:
  explicit bar_indicators(int period = 14, int bb_period = 20, double bb_k = 2.0)
      : n_(period), m_(bb_period), k_(bb_k) {}
  void on_bar(double high, double low, double close);
  /// Average true range; absent until `period` bars have a previous close.
  double atr() const { return bars_ >= n_ ? tr_s_ / n_ : k_absent; }
  /// Average directional index 0..100; absent until 2 x period bars.
  double adx() const { return dx_count_ >= n_ ? adx_ : k_absent; }
  /// +DI minus -DI (positive: up-trend pressure); absent with atr().
  double di_spread() const;
  /// Where `price` sits in the bands: 0 at the lower, 1 at the upper (beyond: outside);
  /// absent until bb_period closes; 0.5 when the closes do not vary.
  double bollinger_position(double price) const;
  /// Checkpoint (the periods are config, not state).
  void save(state_writer& w) const;
  void load(state_reader& r);

 private:
  int n_, m_;
  double k_;
  bool have_prev_ = false;
  double prev_high_ = 0, prev_low_ = 0, prev_close_ = 0;
  int bars_ = 0;  // bars with a previous bar
  double tr_s_ = 0, plus_s_ = 0, minus_s_ = 0;  // Wilder-smoothed sums
  int dx_count_ = 0;
  double dx_sum_ = 0, adx_ = 0;
  std::deque<double> closes_;
};

}  // namespace tickgate
