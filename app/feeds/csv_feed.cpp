#include "app/feeds/csv_feed.hpp"

#include <cmath>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

namespace tickgate {
namespace {

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  std::stringstream ss(line);
  while (std::getline(ss, cell, ',')) {
    while (!cell.empty() && (cell.back() == '\r' || cell.back() == ' ')) cell.pop_back();
    out.push_back(cell);
  }
  return out;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool parse_offset(const std::string& s, int64_t& minutes) {
  if (s.size() != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':') return false;
  for (int i : {1, 2, 4, 5})
    if (!std::isdigit(static_cast<unsigned char>(s[static_cast<size_t>(i)]))) return false;
  int h = std::atoi(s.substr(1, 2).c_str()), m = std::atoi(s.substr(4, 2).c_str());
  if (h > 18 || m > 59) return false;
  minutes = (h * 60 + m) * (s[0] == '-' ? -1 : 1);
  return true;
}

// An IANA zone name: letters, digits, '_', '+', '-' in '/'-separated parts, none of them "." or
// ".." (a name is a path under /usr/share/zoneinfo; "../../etc/passwd" is not a zone).
bool zone_name_ok(const std::string& tz) {
  if (tz.empty() || tz.size() > 64 || tz.front() == '/' || tz.back() == '/') return false;
  std::stringstream ss(tz);
  std::string part;
  while (std::getline(ss, part, '/')) {
    if (part.empty() || part == "." || part == "..") return false;
    for (unsigned char c : part)
      if (!std::isalnum(c) && c != '_' && c != '+' && c != '-') return false;
  }
  return true;
}

int days_in_month(int year, int month) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : days[month - 1];
}

// Offset of local time in `tz` at the given civil time, via the C library's zone database.
int64_t zone_offset_minutes(const std::string& tz, const std::tm& civil) {
  static std::mutex mu;
  static std::map<std::string, int64_t> cache;  // "tz|YYYY-MM-DD HH" -> minutes
  char key[96];
  std::snprintf(key, sizeof key, "%s|%04d-%02d-%02d %02d", tz.c_str(), civil.tm_year + 1900,
                civil.tm_mon + 1, civil.tm_mday, civil.tm_hour);
  std::lock_guard guard{mu};
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  if (!zone_name_ok(tz) || !std::filesystem::is_regular_file("/usr/share/zoneinfo/" + tz))
    throw csv_error("unknown time zone '" + tz + "' (not in /usr/share/zoneinfo; install tzdata)");
  const char* old = std::getenv("TZ");
  std::string saved = old ? old : "";
  setenv("TZ", tz.c_str(), 1);
  tzset();
  std::tm t = civil;
  t.tm_isdst = -1;
  std::time_t local = std::mktime(&t);
  std::tm c = civil;
  std::time_t as_utc = timegm(&c);
  if (old) setenv("TZ", saved.c_str(), 1); else unsetenv("TZ");
  tzset();
  int64_t minutes = (static_cast<int64_t>(as_utc) - static_cast<int64_t>(local)) / 60;
  cache[key] = minutes;
  return minutes;
}

}  // namespace

int64_t parse_time_ms(const std::string& text, const std::string& tz) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
    // Epoch seconds or milliseconds; more than 13 digits is neither (year 2286 and beyond).
    if (text.size() > 13) throw csv_error("bad time '" + text + "': more than 13 digits of epoch ms");
    int64_t v = std::stoll(text);
    if (v < 100'000'000'000ll) v *= 1000;  // epoch seconds
    return v;
  }
  std::tm civil{};
  int frac_pos = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%*1[ T]%2d:%2d:%2d%n", &civil.tm_year, &civil.tm_mon,
                  &civil.tm_mday, &civil.tm_hour, &civil.tm_min, &civil.tm_sec, &frac_pos) < 6 ||
      frac_pos == 0)
    throw csv_error("bad time '" + text + "'");
  if (civil.tm_mon < 1 || civil.tm_mon > 12 || civil.tm_mday < 1 ||
      civil.tm_mday > days_in_month(civil.tm_year, civil.tm_mon) || civil.tm_hour > 23 ||
      civil.tm_min > 59 || civil.tm_sec > 60 || civil.tm_hour < 0 || civil.tm_min < 0 ||
      civil.tm_sec < 0 || civil.tm_year < 1970)
    throw csv_error("bad time '" + text + "': no such date or time of day");
  civil.tm_year -= 1900;
  civil.tm_mon -= 1;
  size_t pos = static_cast<size_t>(frac_pos);
  double frac = 0;
  if (pos < text.size() && text[pos] == '.') {
    size_t end = text.find_first_not_of("0123456789", pos + 1);
    if (end == std::string::npos) end = text.size();
    if (end == pos + 1 || end - pos > 10) throw csv_error("bad time '" + text + "': bad fraction");
    frac = std::stod("0" + text.substr(pos, end - pos));
    pos = end;
  }
  std::string rest = text.substr(pos);
  int64_t offset_min = 0;
  if (rest == "Z" || rest == "+00:00") {
    offset_min = 0;
  } else if (!rest.empty()) {
    if (!parse_offset(rest, offset_min)) throw csv_error("bad time offset in '" + text + "'");
  } else if (tz.empty()) {
    throw csv_error("time '" + text + "' has no UTC offset: pass --tz (e.g. America/New_York)");
  } else if (tz == "UTC") {
    offset_min = 0;
  } else if (!parse_offset(tz, offset_min)) {
    if (!zone_name_ok(tz)) throw csv_error("bad time zone '" + tz + "' (an IANA name such as America/New_York, UTC or +HH:MM)");
    offset_min = zone_offset_minutes(tz, civil);
  }
  std::tm c = civil;
  int64_t utc_s = static_cast<int64_t>(timegm(&c)) - offset_min * 60;
  return utc_s * 1000 + static_cast<int64_t>(std::floor(frac * 1000 + 1e-6));
}

std::vector<tick> read_csv_ticks(const std::string& path, const csv_options& opts,
                                 std::string* detected_format) {
  std::ifstream in(path);
  if (!in) throw csv_error(path + ": cannot open");
  return read_csv_ticks(in, path, opts, detected_format);
}

std::vector<tick> read_csv_ticks(std::istream& in, const std::string& path,
                                 const csv_options& opts, std::string* detected_format) {
  std::string line;
  if (!std::getline(in, line)) throw csv_error(path + ": empty file");
  auto header = split(line);
  for (auto& h : header) h = lower(h);
  std::map<std::string, size_t> col;
  for (size_t i = 0; i < header.size(); ++i) col[header[i]] = i;
  auto has = [&](const char* c) { return col.count(c) > 0; };

  std::string fmt = opts.format;
  if (fmt == "auto") {
    if (has("dt") && has("symbol") && has("price")) fmt = "trades";
    else if (has("open_time") && has("close")) fmt = "bars";
    else if (has("ts") && has("symbol") && has("price")) fmt = "generic";
    else if (has("ts") && has("symbol") && has("bid") && has("ask")) fmt = "quotes";
    else throw csv_error(path + ": cannot tell the format from the header '" + line + "'");
  }
  if (detected_format) *detected_format = fmt;
  auto need = [&](const char* c) {
    if (!has(c)) throw csv_error(path + ": format " + fmt + " needs a column '" + c + "'");
    return col[c];
  };
  std::string symbol = opts.symbol;
  if (fmt == "bars" && symbol.empty()) {
    symbol = std::filesystem::path(path).stem().string();
    symbol = symbol.substr(0, symbol.find('_'));
  }
  size_t c_time = 0, c_sym = 0, c_price = 0, c_vol = SIZE_MAX, c_bid = SIZE_MAX, c_ask = SIZE_MAX;
  if (fmt == "trades") {
    c_time = need("dt"); c_sym = need("symbol"); c_price = need("price");
    if (has("size")) c_vol = col["size"];
  } else if (fmt == "bars") {
    c_time = need("open_time"); c_price = need("close");
    if (has("volume")) c_vol = col["volume"];
  } else if (fmt == "quotes") {
    c_time = need("ts"); c_sym = need("symbol"); c_bid = need("bid"); c_ask = need("ask");
  } else if (fmt == "generic") {
    c_time = need("ts"); c_sym = need("symbol"); c_price = need("price");
    if (has("volume")) c_vol = col["volume"];
    if (has("bid")) c_bid = col["bid"];
    if (has("ask")) c_ask = col["ask"];
  } else {
    throw csv_error("--format: unknown format '" + fmt + "' (trades, bars, quotes, generic, auto)");
  }

  std::vector<tick> out;
  int64_t bar_interval = -1, first_bar = -1;
  size_t line_no = 1;
  auto number = [&](const std::vector<std::string>& cells, size_t c, const char* what) {
    try {
      size_t used = 0;
      double v = std::stod(cells.at(c), &used);
      if (used != cells.at(c).size()) throw std::invalid_argument(what);
      return v;
    } catch (const std::exception&) {
      throw csv_error(path + ":" + std::to_string(line_no) + ": bad " + what + " '" +
                      (c < cells.size() ? cells[c] : "") + "'");
    }
  };
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line == "\r") continue;
    auto cells = split(line);
    if (cells.size() < header.size())
      throw csv_error(path + ":" + std::to_string(line_no) + ": expected " +
                      std::to_string(header.size()) + " columns");
    tick t;
    try {
      t.ts = parse_time_ms(cells[c_time], opts.tz);
    } catch (const csv_error& e) {
      throw csv_error(path + ":" + std::to_string(line_no) + ": " + e.what());
    }
    if (fmt == "bars") {
      // A bar is known at its close: stamp it open_time + interval (from the first two bars).
      if (first_bar < 0) first_bar = t.ts;
      else if (bar_interval < 0) bar_interval = t.ts - first_bar;
      t.symbol = symbol;
    } else {
      t.symbol = cells[c_sym];
    }
    if (fmt == "quotes") {
      t.bid = number(cells, c_bid, "bid");
      t.ask = number(cells, c_ask, "ask");
      t.price = (t.bid + t.ask) / 2;
    } else {
      t.price = number(cells, c_price, "price");
      if (c_vol != SIZE_MAX) t.volume = number(cells, c_vol, "volume");
      if (c_bid != SIZE_MAX && !cells[c_bid].empty()) t.bid = number(cells, c_bid, "bid");
      if (c_ask != SIZE_MAX && !cells[c_ask].empty()) t.ask = number(cells, c_ask, "ask");
    }
    out.push_back(std::move(t));
  }
  if (fmt == "bars") {
    int64_t step = bar_interval > 0 ? bar_interval : 60'000;
    for (auto& t : out) t.ts += step;
  }
  return out;
}

}  // namespace tickgate
