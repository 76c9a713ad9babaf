#include "messages/market_event.hpp"

#include <array>

namespace tickgate {
namespace {
constexpr std::array<const char*, static_cast<size_t>(event_type::count_)> k_event_names{
    "price_update", "price_change",     "volume_spike", "high_volatility",
    "signal",       "support_break",    "resistance_break", "anomaly",
    "sharp_move",   "volume_surge",     "spread_blowout",   "volatility_jump",
    "strategy_signal", "position_opened", "position_closed", "earnings",
    "news",            "on_demand"};
}  // namespace

const char* to_string(priority p) {
  switch (p) {
    case priority::low: return "LOW";
    case priority::medium: return "MEDIUM";
    case priority::high: return "HIGH";
    case priority::critical: return "CRITICAL";
  }
  return "?";
}

bool parse_priority(const std::string& s, priority& out) {
  std::string up;
  for (char c : s) up += static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  for (auto p : {priority::low, priority::medium, priority::high, priority::critical})
    if (up == to_string(p)) {
      out = p;
      return true;
    }
  return false;
}

const char* to_string(event_type t) {
  auto i = static_cast<size_t>(t);
  return i < k_event_names.size() ? k_event_names[i] : "?";
}

bool parse_event_type(const std::string& s, event_type& out) {
  for (size_t i = 0; i < k_event_names.size(); ++i)
    if (s == k_event_names[i]) {
      out = static_cast<event_type>(i);
      return true;
    }
  return false;
}

priority priority_of(event_type t) {
  switch (t) {
    case event_type::price_update: return priority::low;
    case event_type::price_change:
    case event_type::volume_spike: return priority::medium;
    case event_type::high_volatility:
    case event_type::signal:
    case event_type::sharp_move:
    case event_type::volume_surge:
    case event_type::spread_blowout:
    case event_type::volatility_jump:
    case event_type::strategy_signal:
    case event_type::position_opened:
    case event_type::earnings: return priority::high;
    case event_type::position_closed:
    case event_type::news: return priority::medium;
    case event_type::support_break:
    case event_type::resistance_break:
    case event_type::anomaly:
    case event_type::on_demand: return priority::critical;
    case event_type::count_: break;
  }
  return priority::low;
}

const char* to_string(input_kind in) {
  switch (in) {
    case input_kind::ticks: return "ticks";
    case input_kind::events: return "events";
    case input_kind::requests: return "requests";
  }
  return "?";
}

const char* to_string(action a) {
  switch (a) {
    case action::pending: return "pending";
    case action::call: return "call";
    case action::batch: return "batch";
    case action::skip: return "skip";
  }
  return "?";
}

}  // namespace tickgate
