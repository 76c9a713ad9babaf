// The backtest report as one self-contained HTML page: inline CSS and SVG, no script, no
// external URL, so it can be mailed or archived as-is.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "backtest/report.hpp"
#include "common/civil_time.hpp"

namespace tickgate {
namespace {

constexpr double k_w = 920, k_h = 260, k_left = 70, k_right = 20, k_top = 20, k_bottom = 40;
const char* const k_colors[] = {"#1f6feb", "#d73a49", "#e3a008", "#6f42c1"};

std::string esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

std::string num(double v, const char* f = "%.1f") {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

std::string clock_label(int64_t ms, int64_t span) {
  auto c = civil_from_ms(ms);
  const int64_t in_day = ((ms % 86'400'000) + 86'400'000) % 86'400'000;
  char b[32];
  if (span > 3 * 86'400'000ll)
    std::snprintf(b, sizeof b, "%02d-%02d", c.month, c.day);
  else
    std::snprintf(b, sizeof b, "%02d:%02d", static_cast<int>(in_day / 3'600'000),
                  static_cast<int>(in_day / 60'000 % 60));
  return b;
}

/// Maps values to the plot area; y optionally on a log10 scale.
struct frame {
  double x0, x1, y0, y1;
  bool log_y = false;
  double x(double v) const { return k_left + (v - x0) / std::max(1e-12, x1 - x0) * (k_w - k_left - k_right); }
  double y(double v) const {
    double a = y0, b = y1, t = v;
    if (log_y) a = std::log10(std::max(a, 1e-12)), b = std::log10(std::max(b, 1e-12)), t = std::log10(std::max(v, 1e-12));
    return k_h - k_bottom - (t - a) / std::max(1e-12, b - a) * (k_h - k_top - k_bottom);
  }
};

std::string axes(const frame& f, const std::string& y_title, const char* y_fmt) {
  std::string s;
  s += "<line x1='" + num(k_left) + "' y1='" + num(k_h - k_bottom) + "' x2='" + num(k_w - k_right) +
       "' y2='" + num(k_h - k_bottom) + "' stroke='#888'/>";
  s += "<line x1='" + num(k_left) + "' y1='" + num(k_top) + "' x2='" + num(k_left) + "' y2='" +
       num(k_h - k_bottom) + "' stroke='#888'/>";
  const auto span = static_cast<int64_t>(f.x1 - f.x0);
  for (int i = 0; i <= 5; ++i) {
    const double v = f.x0 + (f.x1 - f.x0) * i / 5;
    s += "<text x='" + num(f.x(v)) + "' y='" + num(k_h - k_bottom + 16) +
         "' font-size='11' text-anchor='middle'>" + clock_label(static_cast<int64_t>(v), span) + "</text>";
  }
  for (int i = 0; i <= 4; ++i) {
    double v = f.y0 + (f.y1 - f.y0) * i / 4;
    if (f.log_y) v = std::pow(10, std::log10(std::max(f.y0, 1e-12)) + (std::log10(f.y1) - std::log10(std::max(f.y0, 1e-12))) * i / 4);
    s += "<text x='" + num(k_left - 6) + "' y='" + num(f.y(v) + 4) +
         "' font-size='11' text-anchor='end'>" + num(v, y_fmt) + "</text>";
    s += "<line x1='" + num(k_left) + "' y1='" + num(f.y(v)) + "' x2='" + num(k_w - k_right) + "' y2='" +
         num(f.y(v)) + "' stroke='#eee'/>";
  }
  s += "<text x='12' y='" + num(k_top + (k_h - k_top - k_bottom) / 2) +
       "' font-size='11' transform='rotate(-90 12 " + num(k_top + (k_h - k_top - k_bottom) / 2) +
       ")' text-anchor='middle'>" + esc(y_title) + "</text>";
  return s;
}

std::string svg_open(const std::string& label) {
  return "<svg role='img' aria-label='" + esc(label) +
         "' width='" + num(k_w, "%.0f") + "' height='" + num(k_h, "%.0f") + "' viewBox='0 0 " +
         num(k_w, "%.0f") + " " + num(k_h, "%.0f") + "'>";
}

std::string price_chart(const symbol_chart& c) {
  if (c.prices.empty()) return "";
  frame f{static_cast<double>(c.prices.front().first), static_cast<double>(c.prices.back().first), 1e300, -1e300};
  for (auto& [t, p] : c.prices) f.y0 = std::min(f.y0, p), f.y1 = std::max(f.y1, p);
  const double pad = (f.y1 - f.y0) * 0.05 + 1e-9;
  f.y0 -= pad, f.y1 += pad;
  std::string s = svg_open("price of " + c.symbol + " with significant events and tickgate calls");
  s += axes(f, c.symbol + " price", "%.6g");
  s += "<polyline fill='none' stroke='#444' stroke-width='1' points='";
  for (auto& [t, p] : c.prices) s += num(f.x(static_cast<double>(t))) + "," + num(f.y(p)) + " ";
  s += "'/>";
  // At most about 3000 markers, spread evenly over the whole range.
  const size_t stride = c.calls.size() / 3000 + 1;
  for (size_t i = 0; i < c.calls.size(); i += stride) {
    const auto& [t, p] = c.calls[i];
    s += "<circle class='call' cx='" + num(f.x(static_cast<double>(t))) + "' cy='" + num(f.y(p)) +
         "' r='2.5' fill='" + k_colors[0] + "' fill-opacity='0.6'/>";
  }
  for (auto& e : c.events) {
    const double x = f.x(static_cast<double>(e.ts)), y = f.y(e.price);
    s += "<path class='event' d='M" + num(x) + "," + num(y - 9) + " l-5,-9 h10 z' fill='" + k_colors[1] +
         "'><title>" + esc(e.kind + " at " + utc_day(e.ts) + " " + clock_label(e.ts, 0) + ": " + e.detail) +
         "</title></path>";
  }
  return s + "</svg>";
}

std::string cost_chart(const std::vector<strategy_figures>& st) {
  double lo = 1e300, hi = 0, x0 = 0, x1 = 0;
  for (auto& f : st)
    for (auto& [t, c] : f.cumulative_cost) {
      const double v = pico_to_usd(c);
      if (v > 0) lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  if (st.empty() || st[0].cumulative_cost.empty() || hi <= 0) return "<p>No cost.</p>";
  x0 = static_cast<double>(st[0].cumulative_cost.front().first);
  x1 = static_cast<double>(st[0].cumulative_cost.back().first);
  frame f{x0, x1, lo, hi * 1.1, hi / lo > 100};
  if (!f.log_y) f.y0 = 0;
  std::string s = svg_open("cumulative cost of each strategy over time");
  s += axes(f, f.log_y ? "USD (log scale)" : "USD", "%.4g");
  for (size_t i = 0; i < st.size(); ++i) {
    s += "<polyline class='cost' fill='none' stroke='" + std::string(k_colors[i % 4]) + "' stroke-width='2' points='";
    for (auto& [t, c] : st[i].cumulative_cost) {
      const double v = pico_to_usd(c);
      if (f.log_y && v <= 0) continue;
      s += num(f.x(static_cast<double>(t))) + "," + num(f.y(v)) + " ";
    }
    s += "'><title>" + esc(st[i].name) + "</title></polyline>";
    s += "<text x='" + num(k_left + 10 + 150.0 * static_cast<double>(i)) + "' y='14' font-size='12' fill='" +
         k_colors[i % 4] + "'>&#9632; " + esc(st[i].name) + "</text>";
  }
  return s + "</svg>";
}

std::string calls_chart(const std::vector<strategy_figures>& st) {
  std::set<int64_t> hours;
  int64_t hi = 0;
  for (auto& f : st)
    for (auto& [h, n] : f.calls_per_hour) hours.insert(h), hi = std::max(hi, n);
  if (hours.empty()) return "<p>No calls.</p>";
  frame f{static_cast<double>(*hours.begin()), static_cast<double>(*hours.rbegin() + 3'600'000), 1,
          static_cast<double>(hi) * 1.2, true};
  std::string s = svg_open("calls per hour of each strategy");
  s += axes(f, "calls per hour (log scale)", "%.0f");
  const double slot = (f.x(f.x0 + 3'600'000) - f.x(f.x0)) / static_cast<double>(st.size() + 1);
  for (size_t i = 0; i < st.size(); ++i) {
    for (auto& [h, n] : st[i].calls_per_hour) {
      if (n <= 0) continue;
      const double x = f.x(static_cast<double>(h)) + slot * (static_cast<double>(i) + 0.5);
      const double y = f.y(static_cast<double>(n));
      s += "<rect class='bar' x='" + num(x) + "' y='" + num(y) + "' width='" + num(std::max(1.0, slot - 1)) +
           "' height='" + num(std::max(0.0, k_h - k_bottom - y)) + "' fill='" + k_colors[i % 4] +
           "'><title>" + esc(st[i].name) + ": " + std::to_string(n) + "</title></rect>";
    }
    s += "<text x='" + num(k_left + 10 + 150.0 * static_cast<double>(i)) + "' y='14' font-size='12' fill='" +
         k_colors[i % 4] + "'>&#9632; " + esc(st[i].name) + "</text>";
  }
  return s + "</svg>";
}

}  // namespace

std::string grid_section(const backtest_report& r) {
  if (r.grid.empty()) return {};
  std::string h =
      "<h2>Coverage across the judge's grid</h2>\n<p>Each kind judged again at every setting of its own "
      "axes crossed with every cooldown (backtest.significance.grid), the rest as above. A design tuned "
      "to one setting does not hold across the grid; the worst setting is the figure that counts.</p>\n"
      "<table><tr><th>kind</th><th>setting</th><th>events</th><th>covered</th></tr>\n";
  for (auto& p : r.grid) {
    const bool worst = worst_point(r.grid, p.kind) == &p;
    h += "<tr><td>" + esc(p.kind) + "</td><td>" + (worst ? "<b>" : "") + esc(p.setting) +
         (worst ? " (worst)</b>" : "") + "</td><td>" + std::to_string(p.events) + "</td><td>" +
         num(p.share_pct()) + "%</td></tr>\n";
  }
  return h + "</table>\n";
}

std::string missed_section(const backtest_report& r) {
  std::string h = "<h2>Missed events</h2>\n";
  if (r.missed.empty()) return h + "<p>None: every significant event had a fresh analysis in time.</p>\n";
  h += "<p>" + std::to_string(r.missed.size()) +
       " events without a fresh analysis in their reaction window, each with what tickgate decided "
       "about the symbol from a minute before it to the end of the window (agents subscribed to the "
       "tick's events only, at most 12 nearest the event).</p>\n"
       "<table><tr><th>event</th><th>decisions around it</th></tr>\n";
  for (auto& m : r.missed) {
    h += "<tr><td style='text-align:left;vertical-align:top'>" + esc(utc_day(m.event.ts) + " " + clock_label(m.event.ts, 0)) + "<br/>" +
         esc(m.event.symbol) + " <b>" + esc(m.event.kind) + "</b><br/>" + esc(m.event.detail) +
         "</td><td style='text-align:left'>";
    if (m.around.empty()) h += "no decision recorded (not shown beyond the first 500 events, or no subscribed agent)";
    for (auto& d : m.around)
      h += num((static_cast<double>(d.ts - m.event.ts)) / 1000.0, "%+.0f") + " s " + esc(d.agent) + " " +
           esc(d.action) + " (" + esc(d.trigger) + "): " + esc(d.reason) + "<br/>";
    h += "</td></tr>\n";
  }
  return h + "</table>\n";
}

std::string report_html(const backtest_report& r) {
  const auto& s = r.significance;
  std::string h =
      "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'/><title>tickgate backtest</title>"
      "<style>body{font-family:sans-serif;max-width:960px;margin:24px auto;color:#222}"
      "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
      "th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}svg{display:block;margin:8px 0 24px}"
      "</style></head><body>\n";
  h += "<h1>tickgate backtest</h1>\n<p>" + esc(r.meta.input) + ": " + std::to_string(r.ticks) +
       " ticks, " + std::to_string(r.symbols) + " symbols, " + std::to_string(r.agents) + " agents, " +
       esc(utc_day(r.meta.from_ts)) + " to " + esc(utc_day(r.meta.to_ts)) + " (UTC, event time). Provider: " +
       esc(r.meta.provider) + (r.meta.priced_as == "actual" ? "" : ", calls priced as " + esc(r.meta.priced_as)) +
       ". Config version " + std::to_string(r.meta.config_version) + ".</p>\n";
  h += "<h2>Strategies</h2>\n<table><tr><th>strategy</th><th>calls</th><th>input tokens</th><th>output tokens</th>"
       "<th>cost (USD)</th><th>cache hit rate</th><th>events covered</th><th>reaction delay p50 / p95 (s)</th></tr>\n";
  for (auto& f : r.strategies) {
    h += "<tr><td>" + esc(f.name) + "</td><td>" + std::to_string(f.calls) + "</td><td>" +
         std::to_string(f.input_tokens) + "</td><td>" + std::to_string(f.output_tokens) + "</td><td>" +
         num(pico_to_usd(f.cost), "%.4f") + "</td><td>" +
         (f.cache_hit_pct < 0 ? std::string("-") : num(f.cache_hit_pct) + "%") + "</td><td>" +
         std::to_string(f.coverage.covered) + " / " + std::to_string(f.coverage.events) + " (" +
         num(f.coverage.share_pct()) + "%)</td><td>" +
         (f.coverage.delay_p50_ms < 0 ? std::string("-")
                                      : num(f.coverage.delay_p50_ms / 1000.0, "%.0f") + " / " +
                                            num(f.coverage.delay_p95_ms / 1000.0, "%.0f")) +
         "</td></tr>\n";
  }
  h += "</table>\n<p>" + esc(r.naive_pricing) + ".</p>\n";
  h += "<h2>Significant events</h2>\n<p>Judged from the ticks alone, independently of tickgate's own "
       "event detection. An event is <b>covered</b> when an analysis of its symbol from a provider call "
       "(in a dry run: a call the live system would make; cache answers do not count) has an event time "
       "within " + num(s.reaction_window_ms / 1000.0, "%.0f") + " s after it; the reaction delay is that time minus the event's.</p><ul>\n";
  h += "<li>price_move (" + std::to_string(r.events_by_kind.at("price_move")) + "): the price " +
       num(s.move_pct, "%g") + "% above the low or below the high of the last " +
       num(s.move_window_ms / 1000.0, "%g") + " s</li>\n";
  h += "<li>volume_spike (" + std::to_string(r.events_by_kind.at("volume_spike")) + "): a minute's volume at least " +
       num(s.volume_multiplier, "%g") + "x the mean of the " + std::to_string(s.volume_avg_minutes) + " minutes before</li>\n";
  h += "<li>volatility_jump (" + std::to_string(r.events_by_kind.at("volatility_jump")) +
       "): the standard deviation of the last " + std::to_string(s.vol_window_minutes) +
       " one-minute returns at least " + num(s.vol_jump_factor, "%g") + "x that of the window before</li>\n";
  h += "<li>sr_break (" + std::to_string(r.events_by_kind.at("sr_break")) + "): the price beyond the high or low of the last " +
       num(s.sr_window_ms / 1000.0, "%g") + " s (prices at least " + num(s.sr_min_age_ms / 1000.0, "%g") +
       " s old) by " + num(s.sr_margin_pct, "%g") + "%</li>\n";
  h += "<li>spread_blowout (" + std::to_string(r.events_by_kind.at("spread_blowout")) +
       "): the bid/ask spread at least " + num(s.spread_factor, "%g") + "x the median of the quotes of the last " +
       num(s.spread_window_ms / 1000.0, "%g") + " s (ticks with bid and ask only)</li>\n";
  h += "<li>one event per symbol and kind within " + num(s.cooldown_ms / 1000.0, "%g") + " s</li></ul>\n";
  h += "<table><tr><th>kind</th>";
  for (auto& f : r.strategies) h += "<th>" + esc(f.name) + " covered</th>";
  h += "</tr>\n";
  for (auto& [kind, n] : r.events_by_kind) {
    h += "<tr><td>" + esc(kind) + " (" + std::to_string(n) + ")</td>";
    for (auto& f : r.strategies) h += "<td>" + std::to_string(f.coverage.by_kind.at(kind).second) + "</td>";
    h += "</tr>\n";
  }
  h += "</table>\n";
  h += grid_section(r) + missed_section(r);
  h += "<h2>Price, events and calls</h2>\n<p>Red triangles: significant events (hover for the "
       "numbers). Blue dots: tickgate's fresh analyses of the symbol.</p>\n";
  for (auto& c : r.charts) h += "<h3>" + esc(c.symbol) + "</h3>\n" + price_chart(c) + "\n";
  h += "<h2>Cumulative cost</h2>\n" + cost_chart(r.strategies) + "\n";
  h += "<h2>Calls per hour</h2>\n" + calls_chart(r.strategies) + "\n";
  h += "</body></html>\n";
  return h;
}

}  // namespace tickgate
