#include "actors/sink/retention.hpp"

#include <algorithm>
#include <charconv>
#include <string>

#include "actors/sink/decision_record.hpp"

namespace tickgate {

bool json_int_field(std::string_view json, std::string_view field, int64_t& out, bool last) {
  std::string needle = "\"";
  needle += field;
  needle += "\":";
  const auto at = last ? json.rfind(needle) : json.find(needle);
  if (at == std::string_view::npos) return false;
  const char* begin = json.data() + at + needle.size();
  const char* end = json.data() + json.size();
  auto [ptr, ec] = std::from_chars(begin, end, out);
  return ec == std::errc{} && ptr != begin;
}

namespace {

/// Records whose event time (the integer at `field`, the first or the last one) is more than
/// `days` before the newest tick; keys starting with `kept_prefix` (when given) always stay.
kv_store::expiry_rule older_than(std::shared_ptr<const std::atomic<int64_t>> clock, int32_t days,
                                 std::string_view field, bool last, std::string_view kept_prefix) {
  if (days <= 0) return {};
  const int64_t keep_ms = static_cast<int64_t>(days) * k_ms_per_day;
  return [clock, keep_ms, field, last, kept_prefix](std::string_view key, std::string_view value) {
    const int64_t newest = clock->load(std::memory_order_relaxed);
    if (newest == INT64_MIN || (!kept_prefix.empty() && key.starts_with(kept_prefix))) return false;
    int64_t ts = 0;
    return json_int_field(value, field, ts, last) && ts < newest - keep_ms;
  };
}

}  // namespace

kv_store::expiry_rule ledger_expiry(std::shared_ptr<const std::atomic<int64_t>> clock, int32_t days) {
  return older_than(std::move(clock), days, "event_ts", /*last=*/false, /*aggregates stay*/ "agg/");
}

kv_store::expiry_rule analyses_expiry(std::shared_ptr<const std::atomic<int64_t>> clock, int32_t days) {
  // Keys are sorted in the record and the model's answer ("result") may hold a "ts" of its
  // own, but it comes before the top-level one ("usage" is the only key after it).
  return older_than(std::move(clock), days, "ts", /*last=*/true, "");
}

kv_store::expiry_rule cache_expiry(std::shared_ptr<const std::atomic<int64_t>> clock, int64_t max_age_ms) {
  return [clock, max_age_ms](std::string_view, std::string_view value) {
    const int64_t newest = clock->load(std::memory_order_relaxed);
    if (newest == INT64_MIN) return false;
    int64_t stored = 0, ttl = 0;
    if (!json_int_field(value, "stored_at", stored) || !json_int_field(value, "ttl_ms", ttl)) return false;
    if (max_age_ms > 0) ttl = std::min(ttl, max_age_ms);
    const int64_t horizon = (event_day(newest) - 1) * k_ms_per_day;
    return stored + ttl < horizon;
  };
}

}  // namespace tickgate
