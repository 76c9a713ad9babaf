#pragma once
// A small binary encoding for checkpointed state (the changelog): little-endian fixed-width
// numbers and length-prefixed strings, read back with bounds checks. A record that does not
// decode throws state_decode_error; the caller starts that symbol cold instead of guessing.
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tickgate {

class state_decode_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class state_writer {
 public:
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void boolean(bool v) { u8(v ? 1 : 0); }
  void i64(int64_t v) {
    const auto u = static_cast<uint64_t>(v);
    for (int b = 0; b < 8; ++b) out_.push_back(static_cast<char>((u >> (8 * b)) & 0xff));
  }
  void f64(double v) {
    uint64_t u;
    std::memcpy(&u, &v, sizeof u);
    i64(static_cast<int64_t>(u));
  }
  void str(std::string_view s) {
    i64(static_cast<int64_t>(s.size()));
    out_.append(s);
  }
  std::string& bytes() { return out_; }

 private:
  std::string out_;
};

class state_reader {
 public:
  explicit state_reader(std::string_view in) : in_(in) {}
  uint8_t u8() {
    need(1);
    return static_cast<uint8_t>(in_[pos_++]);
  }
  bool boolean() { return u8() != 0; }
  int64_t i64() {
    need(8);
    uint64_t u = 0;
    for (int b = 0; b < 8; ++b)
      u |= static_cast<uint64_t>(static_cast<unsigned char>(in_[pos_ + static_cast<size_t>(b)])) << (8 * b);
    pos_ += 8;
    return static_cast<int64_t>(u);
  }
  double f64() {
    const auto u = static_cast<uint64_t>(i64());
    double v;
    std::memcpy(&v, &u, sizeof v);
    return v;
  }
  std::string_view str() {
    const int64_t n = i64();
    if (n < 0 || static_cast<uint64_t>(n) > in_.size() - pos_) throw state_decode_error("state: bad length");
    auto s = in_.substr(pos_, static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n);
    return s;
  }
  /// A count of elements that each take at least `min_bytes`: bounded by what is left.
  size_t count(size_t min_bytes) {
    const int64_t n = i64();
    if (n < 0 || static_cast<uint64_t>(n) > (in_.size() - pos_) / (min_bytes ? min_bytes : 1))
      throw state_decode_error("state: bad count");
    return static_cast<size_t>(n);
  }
  bool done() const { return pos_ == in_.size(); }

 private:
  void need(size_t n) const {
    if (in_.size() - pos_ < n) throw state_decode_error("state: truncated");
  }
  std::string_view in_;
  size_t pos_ = 0;
};

/// A checkpoint of one symbol is one section per decision stage, in stage order, each
/// length-prefixed: a stage appends its own and reads back the one at its index.
inline void append_section(std::string& blob, std::string_view section) {
  state_writer w;
  w.str(section);
  blob += w.bytes();
}
/// The section at `index`; throws state_decode_error when the blob has fewer.
inline std::string_view section_at(std::string_view blob, size_t index) {
  state_reader r(blob);
  for (size_t i = 0; i < index; ++i) r.str();
  return r.str();
}

}  // namespace tickgate
