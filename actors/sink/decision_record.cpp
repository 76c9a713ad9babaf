#include "actors/sink/decision_record.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "actors/sink/reason_codec.hpp"
#include "actors/sink/records.hpp"
#include "common/hashing.hpp"
#include "common/window_stats.hpp"
#include "messages/verdict_reason.hpp"
#include "storage/kv_store.hpp"

namespace tickgate {

namespace {

constexpr char k_version = 1;

/// A formed reason straight from its parts; a text one through the text encoder. Both give the
/// bytes the reason's text encodes to.
void encode_verdict_reason(const agent_verdict& v, std::string& out) {
  if (!formed(v)) return encode_reason(v.reason, out);
  reason_parts_writer parts(out);
  write_reason_parts(v, parts);
  parts.finish();
}

void put_be(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
bool get_be(std::string_view& in, int bytes, uint64_t& v) {
  if (in.size() < static_cast<size_t>(bytes)) return false;
  v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  in.remove_prefix(static_cast<size_t>(bytes));
  return true;
}
constexpr uint64_t k_sign64 = 1ull << 63;
constexpr uint32_t k_sign32 = 1u << 31;

uint64_t zigzag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
int64_t unzigzag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

/// A double as a decimal when one with at most 8 decimals gives back the same bits (prices
/// read from text, rounded figures, zero: 2-5 bytes), else its 8 bytes.
constexpr uint8_t k_raw_double = 0xff;
void put_double(std::string& out, double x) {
  const bool decimal_possible = std::isfinite(x) && std::fabs(x) < 9e15 && !(x == 0 && std::signbit(x));
  if (decimal_possible && std::fabs(x) < 2.25e7) {
    // Below 2^51 / 1e8, whatever number of decimals k gives x back, 8 does too, and x * 1e8
    // rounds to that decimal's digits followed by 8 - k zeros: one try finds the fewest
    // decimals (strip the zeros), or shows that none works.
    // Rounded by hand (std::round is a libm call): a decimal's x * 1e8 lies within a few ulps
    // of its integer, far from a half; anything else fails the check below either way.
    const double v = x * 1e8;
    auto m = static_cast<int64_t>(v + (v >= 0 ? 0.5 : -0.5));
    if (static_cast<double>(m) / 1e8 == x) {
      uint8_t k = 8;
      while (k > 0 && m % 10 == 0) {
        m /= 10;
        --k;
      }
      out.push_back(static_cast<char>(k));
      put_varint(out, zigzag(m));
      return;
    }
  } else if (decimal_possible) {
    double scale = 1;
    for (uint8_t k = 0; k <= 8; ++k, scale *= 10) {
      const double m = std::round(x * scale);
      if (std::fabs(m) >= 9e15) break;
      if (m / scale == x) {
        out.push_back(static_cast<char>(k));
        put_varint(out, zigzag(static_cast<int64_t>(m)));
        return;
      }
    }
  }
  uint64_t bits = 0;
  std::memcpy(&bits, &x, sizeof bits);
  out.push_back(static_cast<char>(k_raw_double));
  put_be(out, bits, 8);
}
bool get_double(std::string_view& in, double& x) {
  if (in.empty()) return false;
  const auto k = static_cast<uint8_t>(in.front());
  in.remove_prefix(1);
  if (k == k_raw_double) {
    uint64_t bits = 0;
    if (!get_be(in, 8, bits)) return false;
    std::memcpy(&x, &bits, sizeof x);
    return true;
  }
  if (k > 8) return false;
  uint64_t z = 0;
  if (!get_varint(in, z)) return false;
  double scale = 1;
  for (uint8_t i = 0; i < k; ++i) scale *= 10;
  x = static_cast<double>(unzigzag(z)) / scale;
  return true;
}

// A verdict's action, priority and flags in one byte when they fit (they always do today).
constexpr uint8_t k_changed = 0x10, k_subscribed = 0x20, k_wide = 0x80;

}  // namespace

int64_t event_day(int64_t ts) { return floor_div(ts, k_ms_per_day); }

namespace {
void put_day(std::string& out, int64_t day) {
  day = std::clamp<int64_t>(day, INT32_MIN, INT32_MAX);
  put_be(out, static_cast<uint32_t>(static_cast<int32_t>(day)) ^ k_sign32, 4);
}
}  // namespace

std::string decision_day_prefix(int64_t day) {
  std::string out;
  put_day(out, day);
  return out;
}

namespace {
/// A record key's last 20 bytes: event time, partition, offset (a block holds them per record).
void put_key_tail(std::string& out, const tick_work& w) {
  put_be(out, static_cast<uint64_t>(w.t.ts) ^ k_sign64, 8);
  put_be(out, static_cast<uint32_t>(w.t.partition) ^ k_sign32, 4);
  put_be(out, static_cast<uint64_t>(w.t.offset) ^ k_sign64, 8);
}
}  // namespace

std::string decision_log_key(const tick_work& w) {
  std::string k;
  k.reserve(4 + w.t.symbol.size() + 21);
  put_day(k, event_day(w.t.ts));
  k += w.t.symbol;
  k += '\0';
  put_key_tail(k, w);
  return k;
}

uint32_t agent_table_id(const std::vector<std::string>& names) {
  return static_cast<uint32_t>(fnv1a64(encode_agent_table(names)));
}

std::string decision_agents_key(uint32_t table) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "decision_agents/%08x", table);
  return buf;
}

std::string encode_agent_table(const std::vector<std::string>& names) {
  std::string out;
  for (auto& n : names) {
    if (!out.empty()) out += '\n';
    out += n;
  }
  return out;
}

namespace {
void append_decision_record(std::string& out, const tick_work& w, uint32_t agent_table) {
  out.push_back(k_version);
  put_be(out, agent_table, 4);
  put_varint(out, w.config_version);
  put_double(out, w.t.price);
  put_double(out, w.snap.volatility_pct);
  put_varint(out, w.events.size());
  for (auto& e : w.events) out.push_back(static_cast<char>(e.type));
  put_varint(out, w.verdicts.size());
  for (auto& v : w.verdicts) {
    put_varint(out, v.agent);
    out.push_back(static_cast<char>(v.trigger));
    uint8_t packed = (v.changed ? k_changed : 0) | (v.subscribed ? k_subscribed : 0);
    if (v.act < 4 && v.prio < 4) {
      packed |= static_cast<uint8_t>(v.act | (v.prio << 2));
      out.push_back(static_cast<char>(packed));
    } else {
      out.push_back(static_cast<char>(packed | k_wide));
      out.push_back(static_cast<char>(v.act));
      out.push_back(static_cast<char>(v.prio));
    }
    put_double(out, v.significance);
    put_double(out, std::round(v.change_pct * 1e4) / 1e4);  // as the text shows it
    encode_verdict_reason(v, out);
  }
}
}  // namespace

std::string encode_decision_record(const tick_work& w, uint32_t agent_table) {
  std::string out;
  out.reserve(64 + 24 * w.verdicts.size());
  append_decision_record(out, w, agent_table);
  return out;
}

namespace {
constexpr char k_block_version = 2;
constexpr size_t k_key_tail = 20;   // event time, partition, offset
constexpr int k_block_hash = 8;     // after a block key's first record
bool is_block(std::string_view value) { return !value.empty() && value.front() == k_block_version; }

/// Takes a block's next record entry (20 key bytes, varint size, value) off the front of
/// `rest`; false when the bytes are not one.
bool take_entry(std::string_view& rest, std::string_view& tail, std::string_view& value) {
  if (rest.size() < k_key_tail) return false;
  tail = rest.substr(0, k_key_tail);
  std::string_view after = rest.substr(k_key_tail);
  uint64_t n = 0;
  if (!get_varint(after, n) || n > after.size()) return false;
  value = after.substr(0, n);
  rest = after.substr(n);
  return true;
}
}  // namespace

std::string_view decision_entry_first_key(std::string_view key, std::string_view value) {
  return is_block(value) && key.size() >= k_block_hash ? key.substr(0, key.size() - k_block_hash) : key;
}

decision_block_builder::block& decision_block_builder::open_block(int64_t day, const std::string& symbol) {
  auto same = [&](const block& b) { return b.day == day && b.symbol == symbol; };
  // A partition's ticks often come in runs of one symbol: the last block first; then the
  // symbol's first block of the round; another day of it (rare) by a search.
  if (last_ < used_ && same(blocks_[last_])) return blocks_[last_];
  const auto first = by_symbol_.find(std::string_view(symbol));
  if (first != by_symbol_.end()) {
    if (same(blocks_[first->second])) return blocks_[last_ = first->second];
    for (size_t i = 0; i < used_; ++i)
      if (same(blocks_[i])) return blocks_[last_ = i];
  }
  if (used_ == blocks_.size()) blocks_.emplace_back();
  auto& b = blocks_[used_];
  b.day = day;
  b.symbol = symbol;
  b.entries.clear();
  b.count = 0;
  b.sorted = true;
  b.last_entry = 0;
  if (first == by_symbol_.end()) by_symbol_.emplace(symbol, used_);
  last_ = used_++;
  return b;
}

void decision_block_builder::add(decision_rows& rows, const tick_work& w, int32_t outstanding) {
  auto& b = open_block(event_day(w.t.ts), w.t.symbol);
  const size_t at = b.entries.size();
  put_key_tail(b.entries, w);
  put_length_prefixed(b.entries, [&](std::string& out) { append_decision_record(out, w, agent_table_); });
  if (b.count > 0 &&
      std::memcmp(b.entries.data() + b.last_entry, b.entries.data() + at, k_key_tail) > 0)
    b.sorted = false;
  b.last_entry = at;
  ++b.count;
  rows.ts.push_back(w.t.ts);
  rows.ingest_ns.push_back(w.t.ingest_ns);
  rows.partitions.push_back(w.t.partition);
  rows.offsets.push_back(w.t.offset);
  rows.outstanding.push_back(outstanding);
  rows.verdicts += w.verdicts.size();
}

void decision_block_builder::finish(decision_rows& rows) {
  for (size_t i = 0; i < used_; ++i) {
    auto& b = blocks_[i];
    std::string_view entries = b.entries;
    std::string sorted;
    if (!b.sorted) {  // event time went back within the round: key order again
      std::vector<std::string_view> parts;
      std::string_view tail, value;
      for (std::string_view rest = entries; !rest.empty();) {
        const auto before = rest;
        if (!take_entry(rest, tail, value)) break;  // cannot happen: written by add()
        parts.push_back(before.substr(0, before.size() - rest.size()));
      }
      std::stable_sort(parts.begin(), parts.end(), [](std::string_view a, std::string_view b) {
        return a.substr(0, k_key_tail) < b.substr(0, k_key_tail);
      });
      for (auto part : parts) sorted += part;
      entries = sorted;
    }
    const auto start = rows.bytes.size();
    put_day(rows.bytes, b.day);
    rows.bytes += b.symbol;
    rows.bytes += '\0';
    rows.bytes.append(entries.data(), k_key_tail);  // the first (smallest) record's key
    // Then a hash of the records: a block written again after a crash holds the same first
    // record but maybe not the same others (event time goes back), and must not replace it.
    put_be(rows.bytes, hash64(entries), k_block_hash);
    const auto key_end = rows.bytes.size();
    rows.bytes.push_back(k_block_version);
    put_varint(rows.bytes, b.count);
    rows.bytes.append(entries.data(), entries.size());
    rows.key_sizes.push_back(static_cast<uint32_t>(key_end - start));
    rows.value_sizes.push_back(static_cast<uint32_t>(rows.bytes.size() - key_end));
  }
  used_ = 0;
  last_ = 0;
  by_symbol_.clear();
}

bool for_each_decision_entry(std::string_view key, std::string_view value,
                             const std::function<void(std::string_view, std::string_view)>& fn) {
  if (!is_block(value)) {  // a lone record
    fn(key, value);
    return true;
  }
  key = decision_entry_first_key(key, value);
  if (key.size() < 4 + 1 + k_key_tail || key[key.size() - k_key_tail - 1] != '\0') return false;
  value.remove_prefix(1);
  uint64_t count = 0;
  if (!get_varint(value, count)) return false;
  std::string record_key(key.substr(0, key.size() - k_key_tail));
  const size_t prefix = record_key.size();
  std::string_view tail, record;
  for (uint64_t i = 0; i < count; ++i) {
    if (!take_entry(value, tail, record)) return false;
    record_key.resize(prefix);
    record_key += tail;
    fn(record_key, record);
  }
  return value.empty();
}

bool decision_merge::emit_below(const std::string_view* key) {
  while (!pending_.empty() && (!key || pending_.begin()->first < *key)) {
    auto node = pending_.extract(pending_.begin());
    if (!emit_(node.key(), node.mapped())) return false;
  }
  return true;
}

bool decision_merge::feed(std::string_view key, std::string_view value) {
  // Entries come in order of their first (smallest) record, so every later entry's records are
  // >= this one's first: whatever is pending below it is final.
  const auto first = decision_entry_first_key(key, value);
  if (!emit_below(&first)) return false;
  if (!for_each_decision_entry(key, value, [&](std::string_view k, std::string_view v) {
        pending_.try_emplace(std::string(k), v);  // a tick already pending: the first wins
      }))
    ++bad_;
  return true;
}

bool decision_merge::finish() {
  const bool go_on = emit_below(nullptr);
  pending_.clear();
  return go_on;
}

bool decode_decision_record(std::string_view key, std::string_view value, decision_record& out) {
  auto& w = out.work;
  w = tick_work{};
  uint64_t u = 0;
  // Key.
  if (key.size() < 4 + 1 + 20) return false;
  key.remove_prefix(4);
  const auto nul = key.find('\0');
  if (nul == std::string_view::npos || key.size() - nul - 1 != 20) return false;
  w.t.symbol = std::string(key.substr(0, nul));
  key.remove_prefix(nul + 1);
  get_be(key, 8, u);
  w.t.ts = static_cast<int64_t>(u ^ k_sign64);
  get_be(key, 4, u);
  w.t.partition = static_cast<int32_t>(static_cast<uint32_t>(u) ^ k_sign32);
  get_be(key, 8, u);
  w.t.offset = static_cast<int64_t>(u ^ k_sign64);
  // Value.
  if (value.empty() || value.front() != k_version) return false;
  value.remove_prefix(1);
  if (!get_be(value, 4, u)) return false;
  out.agent_table = static_cast<uint32_t>(u);
  if (!get_varint(value, u)) return false;
  w.config_version = static_cast<uint32_t>(u);
  if (!get_double(value, w.t.price) || !get_double(value, w.snap.volatility_pct)) return false;
  if (!get_varint(value, u) || u > value.size()) return false;
  w.events.resize(u);
  for (auto& e : w.events) {
    e.type = static_cast<uint8_t>(value.front());
    value.remove_prefix(1);
  }
  if (!get_varint(value, u) || u > value.size()) return false;
  w.verdicts.resize(u);
  for (auto& v : w.verdicts) {
    if (!get_varint(value, u) || u > 0xffff || value.size() < 2) return false;
    v.agent = static_cast<uint16_t>(u);
    v.trigger = static_cast<uint8_t>(value[0]);
    const auto packed = static_cast<uint8_t>(value[1]);
    value.remove_prefix(2);
    v.changed = packed & k_changed;
    v.subscribed = packed & k_subscribed;
    if (packed & k_wide) {
      if (value.size() < 2) return false;
      v.act = static_cast<uint8_t>(value[0]);
      v.prio = static_cast<uint8_t>(value[1]);
      value.remove_prefix(2);
    } else {
      v.act = packed & 0x3;
      v.prio = (packed >> 2) & 0x3;
    }
    if (!get_double(value, v.significance) || !get_double(value, v.change_pct)) return false;
    if (!decode_reason(value, v.reason)) return false;
  }
  return value.empty();
}

const std::string& decision_log_reader::agent_name(uint32_t table, uint16_t index) {
  auto it = std::find_if(tables_.begin(), tables_.end(), [&](auto& t) { return t.first == table; });
  if (it == tables_.end()) {
    std::vector<std::string> names;
    std::string joined;
    if (store_.get(column::state, decision_agents_key(table), joined)) {
      size_t start = 0;
      while (start <= joined.size()) {
        auto end = joined.find('\n', start);
        if (end == std::string::npos) end = joined.size();
        names.push_back(joined.substr(start, end - start));
        start = end + 1;
      }
    }
    tables_.emplace_back(table, std::move(names));
    it = std::prev(tables_.end());
  }
  if (index < it->second.size()) return it->second[index];
  unknown_ = "agent#" + std::to_string(index);
  return unknown_;
}

bool decision_log_reader::emit(std::string_view key, std::string_view value,
                               const std::function<bool(const decision_line&)>& fn) {
  decision_record r;
  if (!decode_decision_record(key, value, r)) {
    ++bad_;
    return true;
  }
  decision_line line;
  line.record = &r;
  for (auto& v : r.work.verdicts) {
    line.verdict = &v;
    line.agent = agent_name(r.agent_table, v.agent);
    line.text = encode_decision(r.work, v, line.agent);
    if (!fn(line)) return false;
  }
  return true;
}

void decision_log_reader::for_each(const std::function<bool(const decision_line&)>& fn) {
  for_each_record([&](std::string_view k, std::string_view v) { return emit(k, v, fn); });
}

void decision_log_reader::for_each_record(
    const std::function<bool(std::string_view key, std::string_view value)>& fn) {
  decision_merge merge(fn);
  bool go_on = true;
  store_.scan(column::decisions, "", [&](std::string_view k, std::string_view v) {
    return go_on = merge.feed(k, v);
  });
  if (go_on) merge.finish();  // not past a `false` from fn
  bad_ += merge.bad();
}

void decision_log_reader::for_symbol(const std::string& symbol, int64_t from, int64_t to,
                                     const std::function<bool(const decision_line&)>& fn) {
  if (from > to) return;
  const std::string end = decision_day_prefix(event_day(to) + 1);
  std::string cursor = decision_day_prefix(event_day(from));
  bool go_on = true;
  auto ts_of = [](std::string_view key) {
    std::string_view tail = key.substr(key.size() - k_key_tail);
    uint64_t u = 0;
    get_be(tail, 8, u);
    return static_cast<int64_t>(u ^ k_sign64);
  };
  while (go_on && cursor < end) {
    // The next day that has records at all, then that symbol's records of the day.
    std::string day;
    store_.scan_range(column::decisions, cursor, end, [&](std::string_view k, std::string_view) {
      day = std::string(k.substr(0, 4));
      return false;
    });
    if (day.size() != 4) break;
    decision_merge merge([&](std::string_view k, std::string_view v) {
      if (k.size() < 4 + 1 + k_key_tail) return emit(k, v, fn);  // counted as bad
      const int64_t ts = ts_of(k);
      if (ts > to) {  // in key order: nothing later is in range
        go_on = false;
        return false;
      }
      if (ts >= from) go_on = emit(k, v, fn);
      return go_on;
    });
    store_.scan(column::decisions, day + symbol + std::string(1, '\0'),
                [&](std::string_view k, std::string_view v) {
                  const auto first = decision_entry_first_key(k, v);
                  // Entries are in order of their smallest record: none after this is in range.
                  if (first.size() >= k_key_tail && ts_of(first) > to) return false;
                  return merge.feed(k, v);
                });
    if (go_on) merge.finish();
    bad_ += merge.bad();
    if (!go_on) break;
    std::string_view d = day;
    uint64_t raw = 0;
    get_be(d, 4, raw);
    const int64_t next = static_cast<int64_t>(static_cast<int32_t>(static_cast<uint32_t>(raw) ^ k_sign32)) + 1;
    cursor = decision_day_prefix(next);
  }
}

}  // namespace tickgate
