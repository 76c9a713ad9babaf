#include "actors/sink/reason_codec.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "common/number_text.hpp"

namespace tickgate {

namespace {

constexpr const auto& k_words = k_reason_words;
constexpr size_t k_word_count = k_reason_word_count;

constexpr uint8_t k_literal = 0xFE;
constexpr uint8_t k_number = 0xFF;
constexpr uint8_t k_plus = 0x10, k_minus = 0x20;
constexpr size_t k_max_digits = 18;  // fits an unsigned 64-bit mantissa

static_assert(k_word_count < k_literal);  // below the literal and number tags
// Codes already on disk: appending keeps these.
static_assert(k_word_count == 50 && static_cast<int>(reason_word::elapsed_ms_is) == 17 &&
              static_cast<int>(reason_word::price) == 23 && static_cast<int>(reason_word::slash) == 49);

/// Word codes by first byte, longest first, so that a match is the longest.
const std::array<std::vector<uint8_t>, 256>& words_by_first() {
  static const auto table = [] {
    std::array<std::vector<uint8_t>, 256> t;
    for (size_t i = 0; i < k_word_count; ++i)
      t[static_cast<unsigned char>(k_words[i][0])].push_back(static_cast<uint8_t>(i));
    for (auto& v : t)
      std::stable_sort(v.begin(), v.end(), [](uint8_t a, uint8_t b) { return k_words[a].size() > k_words[b].size(); });
    return t;
  }();
  return table;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// A number at the front of `s`: [+-]?(0|[1-9][0-9]*)(\.[0-9]+)?, at most k_max_digits digits.
/// Returns its length (0: none) and fills the header and mantissa.
size_t match_number(std::string_view s, uint8_t& header, uint64_t& mantissa) {
  size_t i = 0;
  header = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    header = s[i] == '+' ? k_plus : k_minus;
    ++i;
  }
  if (i >= s.size() || !is_digit(s[i])) return 0;
  mantissa = 0;
  size_t digits = 0;
  auto take = [&](char c) {
    mantissa = mantissa * 10 + static_cast<uint64_t>(c - '0');
    ++digits;
  };
  if (s[i] == '0') {
    take(s[i++]);
  } else {
    while (i < s.size() && is_digit(s[i]) && digits < k_max_digits) take(s[i++]);
    if (i < s.size() && is_digit(s[i])) return 0;  // too long for a mantissa
  }
  if (i + 1 < s.size() && s[i] == '.' && is_digit(s[i + 1])) {
    const size_t point = i++;
    size_t decimals = 0;
    uint64_t keep = mantissa;
    const size_t keep_digits = digits;
    while (i < s.size() && is_digit(s[i]) && digits < k_max_digits && decimals < 15) {
      take(s[i++]);
      ++decimals;
    }
    if (i < s.size() && is_digit(s[i])) {  // too many decimals: the integer part alone
      mantissa = keep;
      digits = keep_digits;
      return point;
    }
    header |= static_cast<uint8_t>(decimals);
  }
  return i;
}

}  // namespace

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

namespace {
/// A number: its tag, its header (sign, decimals), its digits as a varint.
void put_number(std::string& out, uint8_t header, uint64_t mantissa) {
  out.push_back(static_cast<char>(k_number));
  out.push_back(static_cast<char>(header));
  put_varint(out, mantissa);
}
}  // namespace

bool get_varint(std::string_view& in, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in.empty()) return false;
    const auto b = static_cast<unsigned char>(in.front());
    in.remove_prefix(1);
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

void widen_length(std::string& out, size_t length_at) {
  const size_t length = out.size() - length_at - 1;
  if (length < 0x80) {
    out[length_at] = static_cast<char>(length);
    return;
  }
  std::string prefix;
  put_varint(prefix, length);
  out.replace(length_at, 1, prefix);
}

namespace {
void encode_reason_body(std::string_view reason, std::string& body) {
  const auto& table = words_by_first();
  size_t literal_start = std::string_view::npos;
  auto close_literal = [&](size_t end) {
    if (literal_start == std::string_view::npos) return;
    body.push_back(static_cast<char>(k_literal));
    put_varint(body, end - literal_start);
    body.append(reason.substr(literal_start, end - literal_start));
    literal_start = std::string_view::npos;
  };
  size_t i = 0;
  while (i < reason.size()) {
    const auto rest = reason.substr(i);
    uint8_t header = 0;
    uint64_t mantissa = 0;
    if (const size_t n = match_number(rest, header, mantissa)) {
      close_literal(i);
      put_number(body, header, mantissa);
      i += n;
      continue;
    }
    bool word = false;
    for (uint8_t code : table[static_cast<unsigned char>(rest[0])])
      if (const auto w = k_words[code];  // the second byte first: most candidates fail there
          rest.size() >= w.size() && (w.size() < 2 || rest[1] == w[1]) && rest.substr(0, w.size()) == w) {
        close_literal(i);
        body.push_back(static_cast<char>(code));
        i += k_words[code].size();
        word = true;
        break;
      }
    if (word) continue;
    if (literal_start == std::string_view::npos) literal_start = i;
    ++i;
  }
  close_literal(reason.size());
}
}  // namespace

reason_parts_writer::reason_parts_writer(std::string& out) : out_(out), length_at_(out.size()) {
  out_.push_back('\0');
}

void reason_parts_writer::integer(int64_t v) {
  constexpr int64_t k_limit = 999'999'999'999'999'999;  // k_max_digits digits
  if (v >= -k_limit && v <= k_limit) {  // what match_number makes of "%lld"
    put_number(out_, v < 0 ? k_minus : 0, static_cast<uint64_t>(v < 0 ? -v : v));
    return;
  }
  std::string text;
  append_int(text, v);
  number_text(text);
}

void reason_parts_writer::fixed(double v, int decimals) {
  // "%.Nf" rounds the exact binary value to N decimals, ties to even. |v|·10^N computed in
  // double is within half an ulp of the exact product; unless that leaves the product's
  // fraction within the error of one half, it rounds the same way the exact one does (an exact
  // tie stays exact: a product of a dyadic fraction and 10^N below 2^53 is representable).
  // The sign is printed for every negative value, -0.0 and those rounding to zero included.
  constexpr double k_pow10[] = {1, 10, 100, 1000, 10000};
  if (decimals >= 1 && decimals <= 4 && std::isfinite(v)) {
    const double y = std::fabs(v) * k_pow10[decimals];
    if (y < 1e15) {
      const double whole = std::floor(y);
      const double fraction = y - whole;  // exact below 2^52
      if (std::fabs(fraction - 0.5) > y * 0x1p-50 + 0x1p-60) {
        put_number(out_, static_cast<uint8_t>((std::signbit(v) ? k_minus : 0) | decimals),
                   static_cast<uint64_t>(whole) + (fraction > 0.5 ? 1 : 0));
        return;
      }
    }
  }
  std::string text;  // short: within the small-string buffer for any usual value
  append_fixed(text, v, decimals);
  number_text(text);
}

void reason_parts_writer::number_text(std::string_view text) {
  uint8_t header = 0;
  uint64_t mantissa = 0;
  if (match_number(text, header, mantissa) == text.size()) {
    put_number(out_, header, mantissa);
  } else {  // nan, inf, too many digits: as the text's parse has it
    encode_reason_body(text, out_);
  }
}

void reason_parts_writer::finish() { widen_length(out_, length_at_); }

void encode_reason(std::string_view reason, std::string& out) {
  put_length_prefixed(out, [&](std::string& body) { encode_reason_body(reason, body); });
}

bool decode_reason(std::string_view& in, std::string& out) {
  uint64_t size = 0;
  if (!get_varint(in, size) || size > in.size()) return false;
  std::string_view body = in.substr(0, size);
  in.remove_prefix(size);
  out.clear();
  while (!body.empty()) {
    const auto tag = static_cast<unsigned char>(body.front());
    body.remove_prefix(1);
    if (tag == k_literal) {
      uint64_t n = 0;
      if (!get_varint(body, n) || n > body.size()) return false;
      out.append(body.substr(0, n));
      body.remove_prefix(n);
    } else if (tag == k_number) {
      if (body.empty()) return false;
      const auto header = static_cast<uint8_t>(body.front());
      body.remove_prefix(1);
      uint64_t mantissa = 0;
      if (!get_varint(body, mantissa)) return false;
      const size_t decimals = header & 0x0f;
      if (header & k_plus) out.push_back('+');
      if (header & k_minus) out.push_back('-');
      std::string digits = std::to_string(mantissa);
      if (digits.size() < decimals + 1) digits.insert(0, decimals + 1 - digits.size(), '0');
      if (decimals > 0) digits.insert(digits.size() - decimals, 1, '.');
      out += digits;
    } else if (tag < k_word_count) {
      out.append(k_words[tag]);
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace tickgate
