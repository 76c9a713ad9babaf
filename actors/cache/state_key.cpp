#include "actors/cache/state_key.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common/hashing.hpp"

namespace tickgate {
namespace {

bool known(double v) { return present(v) && std::isfinite(v); }

/// How many of the ascending `edges` are at or below `v`: 0 below the first edge.
int band(const std::vector<double>& edges, double v) {
  return static_cast<int>(std::upper_bound(edges.begin(), edges.end(), v) - edges.begin());
}

/// The geometric volatility band of `v`: 0 below base, then 1, 2, ... per factor of ratio.
int vol_band(const quantise_config& q, double v) {
  if (!(v >= q.vol_band_base_pct)) return 0;
  return 1 + static_cast<int>(std::floor(std::log(v / q.vol_band_base_pct) / std::log(q.vol_band_ratio)));
}

/// The log bucket of a price for buckets of `step_pct` % each.
long long price_bucket(double price, double step_pct) {
  return static_cast<long long>(std::floor(std::log(price) / std::log1p(step_pct / 100)));
}

void token(std::string& out, const char* tag, const char* value) {
  if (!out.empty()) out += '|';
  out += tag;
  out += value;
}

void int_token(std::string& out, const char* tag, bool has, long long v) {
  char buf[32];
  if (has) std::snprintf(buf, sizeof buf, "%lld", v);
  token(out, tag, has ? buf : "na");
}

char sign_of(double v) { return !known(v) ? 'n' : v > 0 ? '+' : v < 0 ? '-' : '0'; }

}  // namespace

double price_step_pct(const quantise_config& q, double volatility_pct) {
  if (!known(volatility_pct)) return q.price_step_min_pct;
  const int b = vol_band(q, volatility_pct);
  const double lower = b == 0 ? 0 : q.vol_band_base_pct * std::pow(q.vol_band_ratio, b - 1);
  return std::clamp(q.price_step_vols * lower, q.price_step_min_pct, q.price_step_max_pct);
}

std::string quantised_state(const quantise_config& q, uint32_t features, const snapshot& s,
                            uint8_t trigger) {
  std::string out;
  char buf[64];
  const double step = price_step_pct(q, s.volatility_pct);
  auto bucket_token = [&](const char* tag, double price) {
    if (!known(price) || price <= 0) return token(out, tag, "na");
    std::snprintf(buf, sizeof buf, "%.4g:%lld", step, price_bucket(price, step));
    token(out, tag, buf);
  };
  if (features & cf_price) bucket_token("p", s.price);
  if (features & cf_levels) {
    bucket_token("s", s.support);
    bucket_token("R", s.resistance);
  }
  if (features & cf_volatility)
    int_token(out, "v", known(s.volatility_pct), vol_band(q, s.volatility_pct));
  if (features & cf_rsi)
    int_token(out, "r", known(s.rsi), static_cast<long long>(std::floor(s.rsi / q.rsi_band)));
  if (features & cf_trend) {
    std::snprintf(buf, sizeof buf, "%c%s%c", sign_of(s.macd),
                  known(s.adx) ? std::to_string(band(q.adx_edges, s.adx)).c_str() : "n",
                  sign_of(s.di_spread));
    token(out, "t", buf);
  }
  if (features & cf_volume) int_token(out, "vr", known(s.volume_ratio), band(q.volume_edges, s.volume_ratio));
  if (features & cf_spread) int_token(out, "sp", known(s.spread_bps), band(q.spread_edges_bps, s.spread_bps));
  if (features & cf_bollinger) int_token(out, "bb", known(s.bb_position), band(q.bollinger_edges, s.bb_position));
  if (features & cf_options) {
    int_token(out, "iv", known(s.iv), static_cast<long long>(std::floor(s.iv / q.iv_band)));
    int_token(out, "dte", known(s.days_to_expiry), band(q.expiry_edges_days, s.days_to_expiry));
  }
  if (features & cf_trigger) token(out, "e", to_string(static_cast<event_type>(trigger)));
  return out;
}

namespace {
/// Every setting a key version depends on, in order: `scalar(x)` for a number, `list(v)` for
/// a list of them (the one place that names them).
template <class Scalar, class List>
void for_each_setting(const quantise_config& q, Scalar&& scalar, List&& list) {
  scalar(q.price_step_vols), scalar(q.price_step_min_pct), scalar(q.price_step_max_pct);
  scalar(q.vol_band_base_pct), scalar(q.vol_band_ratio), scalar(q.rsi_band), scalar(q.iv_band);
  list(q.adx_edges), list(q.volume_edges), list(q.spread_edges_bps), list(q.bollinger_edges);
  list(q.expiry_edges_days);
}
}  // namespace

std::string quantise_version(const quantise_config& q, uint32_t features) {
  // Asked for every request item; the settings change only with the config. The last few
  // answers per thread, keyed by the settings' bytes (-0 is not 0 to it), save the text and
  // the hash (5 us a call).
  std::string bits;
  auto raw = [&](auto x) { bits.append(reinterpret_cast<const char*>(&x), sizeof x); };
  for_each_setting(q, raw, [&](const std::vector<double>& v) {
    raw(static_cast<uint64_t>(v.size()));  // where one list ends and the next begins
    for (double x : v) raw(x);
  });
  raw(features);
  thread_local std::vector<std::pair<std::string, std::string>> memo;  // bits, version
  for (auto& [key, version] : memo)
    if (key == bits) return version;

  std::string src;
  char buf[64];
  auto num = [&](double v) {
    std::snprintf(buf, sizeof buf, "%.17g,", v);
    src += buf;
  };
  for_each_setting(q, num, [&](const std::vector<double>& v) {
    src += '[';
    for (double x : v) num(x);
    src += ']';
  });
  src += std::to_string(features);
  auto version = "q" + sha256_hex(src).substr(0, 8);
  if (memo.size() >= 16) memo.erase(memo.begin());
  memo.emplace_back(std::move(bits), version);
  return version;
}

std::string item_cache_key(const config& cfg, uint16_t agent, const request_item& it) {
  const auto& a = cfg.agents.at(agent);
  return a.name + "/" + a.prompt_version + "/" + quantise_version(cfg.cache_quantise, a.cache_features) +
         "/" + it.symbol + "/" + it.fingerprint;
}

}  // namespace tickgate
