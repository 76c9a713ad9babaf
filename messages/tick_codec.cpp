#include "messages/tick_codec.hpp"

#include "messages/codec_text.hpp"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <cstring>
#include <optional>

namespace tickgate {
namespace {

using json = nlohmann::json;

enum class field : uint8_t {
  unknown, symbol, ts, price, volume, bid, ask, indicators, rsi, iv, macd, days_to_expiry
};

field top_field(std::string_view k) {
  if (k == "symbol") return field::symbol;
  if (k == "ts") return field::ts;
  if (k == "price") return field::price;
  if (k == "volume") return field::volume;
  if (k == "bid") return field::bid;
  if (k == "ask") return field::ask;
  if (k == "indicators") return field::indicators;
  return field::unknown;
}

field indicator_field(std::string_view k) {
  if (k == "rsi") return field::rsi;
  if (k == "iv") return field::iv;
  if (k == "macd") return field::macd;
  if (k == "days_to_expiry") return field::days_to_expiry;
  return field::unknown;
}

const char* name_of(field f) {
  switch (f) {
    case field::symbol: return "symbol";
    case field::ts: return "ts";
    case field::price: return "price";
    case field::volume: return "volume";
    case field::bid: return "bid";
    case field::ask: return "ask";
    case field::indicators: return "indicators";
    case field::rsi: return "indicators.rsi";
    case field::iv: return "indicators.iv";
    case field::macd: return "indicators.macd";
    case field::days_to_expiry: return "indicators.days_to_expiry";
    case field::unknown: break;
  }
  return "?";
}

/// SAX handler that fills a tick directly. Depth 1 is the record's object; depth 2 inside
/// "indicators" is read too; anything else nested is skipped.
class tick_sax {
 public:
  explicit tick_sax(tick& t) : t_(t) {}

  bool null() { return value_null(); }
  bool boolean(bool) { return value_other("a boolean"); }
  bool number_integer(json::number_integer_t v) { return number(static_cast<double>(v), true, v >= 0, v); }
  bool number_unsigned(json::number_unsigned_t v) {
    const bool fits = v <= static_cast<json::number_unsigned_t>(INT64_MAX);
    return number(static_cast<double>(v), fits, fits, fits ? static_cast<int64_t>(v) : INT64_MAX);
  }
  bool number_float(json::number_float_t v, const json::string_t&) {
    const bool integral = std::isfinite(v) && std::floor(v) == v && std::fabs(v) < 9.2e18;
    return number(v, integral, integral, integral ? static_cast<int64_t>(v) : 0);
  }
  bool string(json::string_t& s) {
    if (depth_ == 1 && pending_ == field::symbol) {
      seen_symbol_ = true;
      t_.symbol = std::move(s);
      pending_ = field::unknown;
      return true;
    }
    return value_other("a string");
  }
  bool binary(json::binary_t&) { return value_other("binary"); }
  bool start_object(std::size_t) {
    ++depth_;
    if (depth_ == 1) return true;
    if (depth_ == 2 && pending_ == field::indicators) {
      in_indicators_ = true;
      pending_ = field::unknown;
      return true;
    }
    if (depth_ == 2 && pending_ != field::unknown) return fail_type("an object");
    if (in_indicators_ && depth_ == 3 && pending_ != field::unknown) return fail_type("an object");
    return true;
  }
  bool end_object() {
    if (depth_ == 2 && in_indicators_) in_indicators_ = false;
    --depth_;
    pending_ = field::unknown;
    return true;
  }
  bool start_array(std::size_t) {
    if (depth_ == 0) return fail("not_object", "value is not a JSON object");
    if (pending_ != field::unknown && (depth_ == 1 || (in_indicators_ && depth_ == 2)))
      return fail_type("an array");
    ++depth_;
    return true;
  }
  bool end_array() {
    --depth_;
    pending_ = field::unknown;
    return true;
  }
  bool key(json::string_t& k) {
    if (depth_ == 1) {
      pending_ = top_field(k);
      if (!first_key(top_seen_, top_keys_, pending_, k))
        return fail("duplicate_key", "key '" + k + "' appears twice");
    } else if (in_indicators_ && depth_ == 2) {
      pending_ = indicator_field(k);
      if (!first_key(indicator_seen_, indicator_keys_, pending_, k))
        return fail("duplicate_key", "key 'indicators." + k + "' appears twice");
    }
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    if (code_.empty()) fail("not_json", "value does not parse as JSON");
    return false;
  }

  const std::string& code() const { return code_; }
  const std::string& detail() const { return detail_; }
  bool seen_symbol_ = false, seen_ts_ = false, seen_price_ = false;

 private:
  /// Known keys are remembered as bits, others by name (rare: no allocation for a usual tick).
  static bool first_key(uint32_t& seen_bits, std::vector<std::string>& seen_names, field f,
                        const std::string& k) {
    if (f != field::unknown) {
      const uint32_t bit = 1u << static_cast<unsigned>(f);
      if (seen_bits & bit) return false;
      seen_bits |= bit;
      return true;
    }
    for (auto& s : seen_names)
      if (s == k) return false;
    seen_names.push_back(k);
    return true;
  }
  bool fail(const char* code, std::string detail) {
    code_ = code;
    detail_ = std::move(detail);
    return false;
  }
  bool fail_type(const char* what) {
    if (pending_ == field::symbol)
      return fail("bad_symbol", "symbol must be a non-empty string of at most 64 characters");
    if (pending_ == field::ts) return fail("bad_ts", "ts must be epoch milliseconds");
    if (pending_ == field::price) return fail("bad_price", "price is not a number");
    if (pending_ == field::indicators) return fail("bad_field", "indicators is not an object");
    return fail("bad_field", std::string(name_of(pending_)) + " is not a number");
  }
  bool value_null() {
    if (depth_ == 0) return fail("not_object", "value is not a JSON object");
    bool mine = depth_ == 1 || (in_indicators_ && depth_ == 2);
    if (mine && pending_ != field::unknown) {
      // Optional fields may be null (absent); the required ones may not.
      if (pending_ == field::symbol || pending_ == field::ts || pending_ == field::price)
        return fail_type("null");
    }
    pending_ = field::unknown;
    return true;
  }
  bool value_other(const char* what) {
    if (depth_ == 0) return fail("not_object", "value is not a JSON object");
    bool mine = depth_ == 1 || (in_indicators_ && depth_ == 2);
    if (mine && pending_ != field::unknown) return fail_type(what);
    pending_ = field::unknown;
    return true;
  }
  bool number(double v, bool integral, bool non_negative_int, int64_t as_int) {
    if (depth_ == 0) return fail("not_object", "value is not a JSON object");
    bool mine = depth_ == 1 || (in_indicators_ && depth_ == 2);
    field f = mine ? pending_ : field::unknown;
    pending_ = field::unknown;
    switch (f) {
      case field::unknown: return true;
      case field::symbol: return fail("bad_symbol", "symbol must be a non-empty string of at most 64 characters");
      case field::indicators: return fail("bad_field", "indicators is not an object");
      case field::ts:
        if (!integral) return fail("bad_ts", "ts must be an integer of epoch milliseconds");
        if (!non_negative_int || as_int <= 0)
          return fail("bad_ts", "ts must be positive epoch milliseconds");
        seen_ts_ = true;
        t_.ts = as_int;
        return true;
      case field::price: seen_price_ = true; t_.price = v; return true;
      case field::volume: t_.volume = v; return true;
      case field::bid: t_.bid = v; return true;
      case field::ask: t_.ask = v; return true;
      case field::rsi: t_.rsi = v; return true;
      case field::iv: t_.iv = v; return true;
      case field::macd: t_.macd = v; return true;
      case field::days_to_expiry: t_.days_to_expiry = v; return true;
    }
    return true;
  }

  tick& t_;
  int depth_ = 0;
  field pending_ = field::unknown;
  bool in_indicators_ = false;
  uint32_t top_seen_ = 0, indicator_seen_ = 0;
  std::vector<std::string> top_keys_;  // unknown keys seen
  std::vector<std::string> indicator_keys_;
  std::string code_;
  std::string detail_;
};

/// A scanner for the plain JSON ticks come in: one object, nested objects, ASCII strings
/// without escapes, numbers, true/false/null. It feeds the same events, in the same order and
/// with the same values, to the same handler as nlohmann's SAX parser, so that every check stays
/// in one place; on anything else (escapes, non-ASCII text, arrays, malformed input, numbers of
/// more than 18 integer digits) it gives up and the record goes through nlohmann's parser from
/// the start. Tests and the fuzz target compare the two on every input they try.
class plain_scanner {
 public:
  enum result { done, stopped, not_mine };  // stopped: the handler refused an event

  plain_scanner(std::string_view in, tick_sax& sax)
      : p_(in.data()), end_(in.data() + in.size()), sax_(sax) {}

  result run() {
    skip_ws();
    if (p_ == end_ || *p_ != '{') return not_mine;
    const auto r = object(1);
    if (r != done) return r;
    skip_ws();
    return p_ == end_ ? done : not_mine;
  }

 private:
  static bool digit(char c) { return c >= '0' && c <= '9'; }
  void skip_ws() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\t' || *p_ == '\r')) ++p_;
  }
  /// At '"': printable ASCII up to the closing quote, no escapes.
  bool plain_string(std::string& out) {
    if (p_ == end_ || *p_ != '"') return false;
    const char* s = ++p_;
    while (p_ < end_ && *p_ != '"') {
      const auto c = static_cast<unsigned char>(*p_);
      if (c < 0x20 || c > 0x7e || c == '\\') return false;
      ++p_;
    }
    if (p_ == end_) return false;
    out.assign(s, p_);
    ++p_;
    return true;
  }
  result object(int depth) {
    ++p_;  // '{'
    if (depth > 16) return not_mine;
    if (!sax_.start_object(static_cast<std::size_t>(-1))) return stopped;
    skip_ws();
    if (p_ < end_ && *p_ == '}') {
      ++p_;
      return sax_.end_object() ? done : stopped;
    }
    for (;;) {
      skip_ws();
      if (!plain_string(key_)) return not_mine;
      if (!sax_.key(key_)) return stopped;
      skip_ws();
      if (p_ == end_ || *p_ != ':') return not_mine;
      ++p_;
      skip_ws();
      const auto r = value(depth);
      if (r != done) return r;
      skip_ws();
      if (p_ == end_) return not_mine;
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ != '}') return not_mine;
      ++p_;
      return sax_.end_object() ? done : stopped;
    }
  }
  result literal(const char* word, size_t n) {
    if (static_cast<size_t>(end_ - p_) < n || std::memcmp(p_, word, n) != 0) return not_mine;
    p_ += n;
    return done;
  }
  result value(int depth) {
    if (p_ == end_) return not_mine;
    switch (*p_) {
      case '{': return object(depth + 1);
      case '"': {
        std::string s;
        if (!plain_string(s)) return not_mine;
        return sax_.string(s) ? done : stopped;
      }
      case 't':
        if (literal("true", 4) != done) return not_mine;
        return sax_.boolean(true) ? done : stopped;
      case 'f':
        if (literal("false", 5) != done) return not_mine;
        return sax_.boolean(false) ? done : stopped;
      case 'n':
        if (literal("null", 4) != done) return not_mine;
        return sax_.null() ? done : stopped;
      default: return number();
    }
  }
  /// JSON's number grammar; integers as nlohmann delivers them (negative: number_integer,
  /// else number_unsigned), the rest through from_chars (correctly rounded, as strtod).
  result number() {
    const char* s = p_;
    const bool negative = *p_ == '-';
    if (negative) ++p_;
    if (p_ == end_ || !digit(*p_)) return not_mine;
    const char* int_start = p_;
    if (*p_ == '0')
      ++p_;
    else
      while (p_ < end_ && digit(*p_)) ++p_;
    const auto int_digits = p_ - int_start;
    bool integral = true;
    if (p_ < end_ && *p_ == '.') {
      integral = false;
      ++p_;
      if (p_ == end_ || !digit(*p_)) return not_mine;
      while (p_ < end_ && digit(*p_)) ++p_;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      integral = false;
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !digit(*p_)) return not_mine;
      while (p_ < end_ && digit(*p_)) ++p_;
    }
    if (integral) {
      if (int_digits > 18) return not_mine;
      int64_t v = 0;
      for (const char* d = int_start; d < p_; ++d) v = v * 10 + (*d - '0');
      const bool ok = negative ? sax_.number_integer(-v)
                               : sax_.number_unsigned(static_cast<uint64_t>(v));
      return ok ? done : stopped;
    }
    double v = 0;
    const auto r = std::from_chars(s, p_, v);
    if (r.ec != std::errc() || r.ptr != p_) return not_mine;
    return sax_.number_float(v, no_text_) ? done : stopped;
  }

  const char* p_;
  const char* end_;
  tick_sax& sax_;
  std::string key_;
  const std::string no_text_;
};

tick_decode_result reject(std::string code, std::string detail) {
  tick_decode_result r;
  r.code = std::move(code);
  r.reason = r.code + ": " + std::move(detail);
  return r;
}

}  // namespace

tick_decode_result decode_tick(std::string_view bytes, const tick_limits& lim, tick_parser parser) {
  if (bytes.size() > lim.max_bytes)
    return reject("too_large", std::to_string(bytes.size()) + " bytes > limit " +
                                   std::to_string(lim.max_bytes));
  tick_decode_result r;
  tick& t = r.value;
  std::optional<tick_sax> sax;
  sax.emplace(t);
  bool parsed = false;
  switch (parser == tick_parser::nlohmann ? plain_scanner::not_mine
                                          : plain_scanner(bytes, *sax).run()) {
    case plain_scanner::done: parsed = true; break;
    case plain_scanner::stopped: break;
    case plain_scanner::not_mine:
      t = tick{};
      sax.emplace(t);
      parsed = json::sax_parse(bytes.begin(), bytes.end(), &*sax, json::input_format_t::json,
                               /*strict=*/true);
      break;
  }
  if (!sax->code().empty()) return reject(sax->code(), sax->detail());
  if (!parsed) return reject("not_json", "value does not parse as JSON");

  if (!sax->seen_symbol_) return reject("missing_field", "symbol is missing");
  if (t.symbol.empty() || t.symbol.size() > 64)
    return reject("bad_symbol", "symbol must be a non-empty string of at most 64 characters");
  if (!printable_ascii(t.symbol))
    return reject("bad_symbol", "symbol must be printable ASCII without spaces or control characters");
  if (!sax->seen_ts_) return reject("missing_field", "ts is missing");
  if (t.ts >= lim.ts_max)
    return reject("bad_ts", "ts " + std::to_string(t.ts) + " is beyond year 2286 (ms expected)");
  if (!sax->seen_price_) return reject("missing_field", "price is missing");
  if (t.price <= 0) return reject("bad_price", "price must be > 0");
  if (t.price < lim.price_min || t.price > lim.price_max)
    return reject("bad_price", "price " + reason_num(t.price) + " outside [" + reason_num(lim.price_min) + ", " +
                                   reason_num(lim.price_max) + "]");
  if (present(t.volume) && (t.volume < 0 || t.volume > lim.volume_max))
    return reject("bad_field", t.volume < 0 ? "volume must be >= 0"
                                            : "volume " + reason_num(t.volume) + " above " + reason_num(lim.volume_max));
  for (auto [v, name] : {std::pair{t.bid, "bid"}, std::pair{t.ask, "ask"}})
    if (present(v) && (v < lim.price_min || v > lim.price_max))
      return reject("bad_field", std::string(name) + " " + reason_num(v) + " outside [" +
                                     reason_num(lim.price_min) + ", " + reason_num(lim.price_max) + "]");
  if (present(t.bid) && present(t.ask) && t.bid > t.ask)
    return reject("crossed_quote", "bid " + reason_num(t.bid) + " > ask " + reason_num(t.ask));
  if (present(t.rsi) && !(t.rsi >= 0 && t.rsi <= 100))
    return reject("bad_field", "indicators.rsi " + reason_num(t.rsi) + " outside [0, 100]");
  if (present(t.iv) && !(t.iv >= 0 && t.iv <= 100))
    return reject("bad_field", "indicators.iv " + reason_num(t.iv) + " outside [0, 100]");
  if (present(t.macd) && !(std::fabs(t.macd) <= lim.price_max))
    return reject("bad_field", "indicators.macd " + reason_num(t.macd) + " beyond +-" + reason_num(lim.price_max));
  if (present(t.days_to_expiry) && !(t.days_to_expiry >= 0 && t.days_to_expiry <= 36'500))
    return reject("bad_field",
                  "indicators.days_to_expiry " + reason_num(t.days_to_expiry) + " outside [0, 36500]");
  r.ok = true;
  return r;
}

std::string encode_tick(const tick& t) {
  nlohmann::json j{{"symbol", t.symbol}, {"ts", t.ts}, {"price", t.price}};
  if (present(t.volume)) j["volume"] = t.volume;
  if (present(t.bid)) j["bid"] = t.bid;
  if (present(t.ask)) j["ask"] = t.ask;
  nlohmann::json ind = nlohmann::json::object();
  if (present(t.rsi)) ind["rsi"] = t.rsi;
  if (present(t.iv)) ind["iv"] = t.iv;
  if (present(t.macd)) ind["macd"] = t.macd;
  if (present(t.days_to_expiry)) ind["days_to_expiry"] = t.days_to_expiry;
  if (!ind.empty()) j["indicators"] = std::move(ind);
  return j.dump();
}

}  // namespace tickgate
