#include "config/config.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "config/config_reader.hpp"

namespace tickgate {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

json parse_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw config_error("config: cannot open " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return json::parse(ss.str(), nullptr, true, /*ignore_comments=*/true);
  } catch (const json::exception& e) {  // parse_error, and out_of_range for a number like 4e4444
    throw config_error("config: " + path + " is not valid JSON: " + e.what());
  }
}

// `a.b.c=JSON`: replaces (or adds) that key. The value must be JSON: strings need quotes.
void apply_override(json& root, const std::string& expr) {
  auto eq = expr.find('=');
  if (eq == std::string::npos || eq == 0)
    throw config_error("--set " + expr + ": expected dotted.path=JSON");
  std::string path = expr.substr(0, eq);
  json value = json::parse(expr.substr(eq + 1), nullptr, false);
  if (value.is_discarded())
    throw config_error("--set " + path + ": value is not JSON (strings need quotes: '\"text\"')");
  json* node = &root;
  std::stringstream ss(path);
  std::string part;
  std::vector<std::string> parts;
  while (std::getline(ss, part, '.')) parts.push_back(part);
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (!node->is_object()) throw config_error("--set " + path + ": " + parts[i] + " is not an object");
    node = &(*node)[parts[i]];
    if (node->is_null()) *node = json::object();
  }
  if (!node->is_object()) throw config_error("--set " + path + ": parent is not an object");
  (*node)[parts.back()] = std::move(value);
}

sampling_kind parse_kind(config_reader& r, const std::string& key, const std::string& s) {
  if (s == "always") return sampling_kind::always;
  if (s == "periodic") return sampling_kind::periodic;
  if (s == "change_based") return sampling_kind::change_based;
  if (s == "threshold") return sampling_kind::threshold;
  if (s == "adaptive") return sampling_kind::adaptive;
  r.fail(key, "unknown strategy '" + s + "' (always, periodic, change_based, threshold, adaptive)");
}

void read_kafka(config_reader r, kafka_config& k) {
  r.read("brokers", k.brokers, true);
  r.read("group_id", k.group_id, true);
  auto t = r.child("topics");
  t.read("ticks", k.ticks_topic, true);
  t.read("events", k.events_topic);
  t.read("requests", k.requests_topic);
  t.read("analyses", k.analyses_topic, true);
  t.read("costs", k.costs_topic, true);
  t.read("dlq", k.dlq_topic, true);
  t.read("alerts", k.alerts_topic, true);
  t.read("budget", k.budget_topic, true);
  t.read("state", k.state_topic, true);
  t.finish();
  r.read("embedded_partitions", k.embedded_partitions, 1, 256);
  r.read("poll_batch", k.poll_batch, 1, 100'000);
  r.read("commit_interval_ms", k.commit_interval_ms, 10, 600'000);
  r.read("max_tick_bytes", k.max_tick_bytes, 64, 1 << 20);
  r.read_seconds("connect_timeout_s", k.connect_timeout_ms, 1, 3600);
  r.read_seconds("revoke_timeout_s", k.revoke_timeout_ms, 0.1, 3600);
  r.read("compression", k.compression, true);
  static const std::vector<std::string> codecs{"none", "gzip", "snappy", "lz4", "zstd"};
  if (std::find(codecs.begin(), codecs.end(), k.compression) == codecs.end())
    r.fail("compression", "must be one of none, gzip, snappy, lz4, zstd");
  for (auto [key, out] : {std::pair{"consumer_properties", &k.consumer_properties},
                          std::pair{"producer_properties", &k.producer_properties}}) {
    if (!r.has(key)) continue;
    auto& obj = r.raw(key);
    if (!obj.is_object()) r.fail(key, "must be an object of librdkafka property strings");
    for (auto& [name, v] : obj.items()) {
      if (!v.is_string()) r.fail(std::string(key) + "." + name, "must be a string");
      (*out)[name] = v.get<std::string>();
    }
  }
  r.finish();
}

void read_input(config_reader r, plausibility_config& in) {
  r.read("price_min", in.limits.price_min, 1e-300, 1e300);
  r.read("price_max", in.limits.price_max, 1e-300, 1e300);
  if (in.limits.price_min >= in.limits.price_max) r.fail("price_min", "must be below price_max");
  r.read("volume_max", in.limits.volume_max, 0, 1e300);
  r.read("symbol_pattern", in.symbol_pattern, true);
  try {
    std::regex re(in.symbol_pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    r.fail("symbol_pattern", std::string("is not an ECMAScript regular expression: ") + e.what());
  }
  r.read_seconds("max_future_s", in.max_future_ms, 0, 365 * 86'400.0);
  r.read_seconds("max_late_s", in.max_late_ms, 0, 3650 * 86'400.0);
  auto o = r.child("outlier");
  o.read("window", in.outlier_window, 4, 1024);
  o.read("min_samples", in.outlier_min_samples, 2, 1024);
  if (in.outlier_min_samples > in.outlier_window) o.fail("min_samples", "must be at most window");
  o.read("mads", in.outlier_mads, 1, 1e6);
  o.read("min_pct", in.outlier_min_pct, 0.1, 1e6);
  o.read("confirm", in.outlier_confirm, 1, 100);
  o.finish();
  r.finish();
}

// A non-empty JSON array of numbers within [lo, hi], strictly ascending.
std::vector<double> read_ascending(config_reader& r, const std::string& key, double lo, double hi) {
  const auto& j = r.raw(key);
  if (!j.is_array() || j.empty() || j.size() > 16)
    r.fail(key, "must be an array of 1 to 16 numbers");
  std::vector<double> out;
  for (auto& x : j) {
    if (!x.is_number()) r.fail(key, "must hold numbers only");
    const double v = x.get<double>();
    if (!(v >= lo && v <= hi)) {
      char range[64];
      std::snprintf(range, sizeof range, "values must be between %g and %g", lo, hi);
      r.fail(key, range);
    }
    if (!out.empty() && v <= out.back()) r.fail(key, "must be ascending without repeats");
    out.push_back(v);
  }
  return out;
}

// The lists above, each left as it is when the key is absent.
void read_list(config_reader& r, const std::string& key, std::vector<double>& out, double lo, double hi) {
  if (r.has(key)) out = read_ascending(r, key, lo, hi);
}
void read_seconds_list(config_reader& r, const std::string& key, std::vector<int64_t>& out_ms, double lo_s,
                       double hi_s) {
  if (!r.has(key)) return;
  out_ms.clear();
  for (double v : read_ascending(r, key, lo_s, hi_s)) out_ms.push_back(static_cast<int64_t>(v * 1000));
}
void read_minutes_list(config_reader& r, const std::string& key, std::vector<int32_t>& out, double lo,
                       double hi) {
  if (!r.has(key)) return;
  out.clear();
  for (double m : read_ascending(r, key, lo, hi)) {
    if (m != static_cast<int32_t>(m)) r.fail(key, "must hold whole minutes");
    out.push_back(static_cast<int32_t>(m));
  }
}

void read_watch(config_reader r, watch_config& w) {
  r.read("enabled", w.enabled);
  r.read("move_pct", w.move_pct, 0.01, 100);
  read_seconds_list(r, "move_windows_s", w.move_windows_ms, 1, 86'400);
  r.read("volume_ratio", w.volume_ratio, 1.01, 1e6);
  read_minutes_list(r, "volume_windows_min", w.volume_windows_min, 2, 1440);
  r.read("spread_ratio", w.spread_ratio, 1.01, 1e6);
  r.read_seconds("spread_window_s", w.spread_window_ms, 10, 86'400);
  r.read("spread_min_samples", w.spread_min_samples, 2, 4096);
  r.read("vol_jump_factor", w.vol_jump_factor, 1.01, 1000);
  r.read("vol_window_minutes", w.vol_window_minutes, 3, 240);
  r.read("intensify", w.intensify, 1.01, 100);
  r.read_seconds("repeat_s", w.repeat_ms, 1, 86'400);
  r.read_seconds("follow_up_s", w.follow_up_ms, 0, 3600);
  r.finish();
}

void read_events(config_reader r, event_thresholds& e, config& c) {
  r.read("price_change_pct", e.price_change_pct, 0.001, 100);
  r.read("volume_spike_multiplier", e.volume_spike_multiplier, 1.0, 1000);
  r.read("volume_avg_minutes", e.volume_avg_minutes, 1, 1440);
  r.read("volatility_threshold_pct", e.volatility_threshold_pct, 0.0001, 1000);
  r.read_seconds("volatility_window_s", e.volatility_window_ms, 1, 86'400);
  r.read_seconds("sr_window_s", e.sr_window_ms, 60, 30 * 86'400.0);
  r.read_seconds("sr_min_age_s", e.sr_min_age_ms, 0, 86'400);
  r.read("sr_break_pct", e.sr_break_pct, 0, 100);
  r.read_seconds("sr_cooldown_s", e.sr_cooldown_ms, 0, 7 * 86'400.0);
  r.read("anomaly_zscore", e.anomaly_zscore, 1, 1000);
  r.read("anomaly_min_samples", e.anomaly_min_samples, 2, 1'000'000);
  r.read("anomaly_volume_multiplier", e.anomaly_volume_multiplier, 1, 100'000);
  r.read("rsi_period", e.rsi_period, 2, 500);
  r.read("rsi_overbought", e.rsi_overbought, 50, 100);
  r.read("rsi_oversold", e.rsi_oversold, 0, 50);
  r.read("rsi_rearm_points", e.rsi_rearm_points, 0, 50);
  r.read_seconds("min_ai_interval_s", c.min_ai_interval_ms, 0, 86'400);
  r.read_seconds("critical_min_spacing_s", c.critical_min_spacing_ms, 0, 86'400);
  if (r.has("watch")) read_watch(r.child("watch"), e.watch);
  if (e.sr_min_age_ms >= e.sr_window_ms) r.fail("sr_min_age_s", "must be below sr_window_s");
  r.finish();
}

void read_change(config_reader r, change_config& ch) {
  r.read("score_threshold", ch.score_threshold, 0, 1000);
  r.read("price_pct", ch.price_pct, 0, 100);
  r.read("price_abs", ch.price_abs, 0, 1e12);
  r.read("price_points", ch.price_points, 0, 1000);
  r.read("rsi_delta", ch.rsi_delta, 0, 100);
  r.read("rsi_points", ch.rsi_points, 0, 1000);
  r.read("volatility_rel_pct", ch.volatility_rel_pct, 0, 10'000);
  r.read("volatility_abs", ch.volatility_abs, 0, 1000);
  r.read("volatility_points", ch.volatility_points, 0, 1000);
  r.read("bias_flip_points", ch.bias_flip_points, 0, 1000);
  r.read("expiry_days", ch.expiry_days, 0, 10'000);
  r.read("expiry_points", ch.expiry_points, 0, 1000);
  r.read_seconds("max_age_s", ch.max_age_ms, 1, 365 * 86'400.0);
  r.finish();
}

void read_route_limits(config_reader& r, model_route_config& m) {
  r.read("quality", m.quality, 0, 1);
  r.read("requests_per_minute", m.requests_per_minute, 0, 10'000'000);
  r.read("tokens_per_minute", m.tokens_per_minute, 0, 10'000'000'000);
}

provider_config read_provider(config_reader r, const std::string& name) {
  provider_config p;
  p.name = name;
  r.read("kind", p.kind, true);
  if (p.kind != "openai" && p.kind != "anthropic" && p.kind != "gemini" && p.kind != "rules")
    r.fail("kind", "must be openai, anthropic, gemini or rules, got '" + p.kind + "'");
  r.read("base_url", p.base_url);
  r.read("api_key_env", p.api_key_env);
  r.read("timeout_ms", p.timeout_ms, 100, 600'000);
  r.read("max_retries", p.max_retries, 0, 10);
  r.read("max_in_flight", p.max_in_flight, 1, 10'000);
  r.read("anthropic_version", p.anthropic_version, true);
  // Provider-level limits are the defaults of each model's.
  model_route_config defaults;
  read_route_limits(r, defaults);
  std::string model;
  r.read("model", model);
  if (!model.empty()) {
    defaults.name = model;
    p.models.push_back(defaults);
  }
  if (r.has("models")) {
    auto& obj = r.raw("models");
    if (!obj.is_object()) r.fail("models", "must be an object: model name -> {quality, requests_per_minute, tokens_per_minute}");
    auto mr = r.child("models");
    for (auto& [m, v] : obj.items()) {
      if (m == model) r.fail("models." + m, "repeats `model`");
      auto one = mr.child(m);
      model_route_config route = defaults;
      route.name = m;
      read_route_limits(one, route);
      one.finish();
      p.models.push_back(route);
    }
    mr.finish();
  }
  if (p.kind != "rules") {
    if (p.base_url.rfind("http://", 0) != 0 && p.base_url.rfind("https://", 0) != 0)
      r.fail("base_url", "must start with http:// or https://");
    if (p.models.empty()) r.fail("model", "must name a model (or list them in `models`)");
    p.model = p.models.front().name;
  }
  r.finish();
  return p;
}

// A period left out keeps `fallback` (the global defaults; for an agent, -1: no limit of its own).
budget_limits read_limits(config_reader& r, budget_limits fallback) {
  for (auto [key, out] : {std::pair{"daily_usd", &fallback.daily}, std::pair{"monthly_usd", &fallback.monthly}}) {
    if (!r.has(key)) continue;
    double usd = 0;
    r.read(key, usd, 0, 1e9);
    *out = usd_to_pico(usd);
  }
  return fallback;
}

void read_budget(config_reader r, budget_config& b, const std::vector<agent_config>& agents) {
  b.global = read_limits(r, {usd_to_pico(10), usd_to_pico(200)});
  r.read("soft_pct", b.soft_pct, 1, 100);
  r.read("degrade_pct", b.degrade_pct, 1, 100);
  if (b.degrade_pct < b.soft_pct) r.fail("degrade_pct", "must not be below soft_pct");
  r.read("degrade_threshold_factor", b.degrade_threshold_factor, 1, 100);
  r.read("degrade_cache_ttl_factor", b.degrade_cache_ttl_factor, 1, 100);
  if (r.has("agents")) {
    auto& obj = r.raw("agents");
    if (!obj.is_object()) r.fail("agents", "must be an object: agent -> {daily_usd, monthly_usd}");
    auto ar = r.child("agents");
    for (auto& [name, v] : obj.items()) {
      bool known = false;
      for (auto& a : agents) known = known || a.name == name;
      if (!known) ar.fail(name, "is not a configured agent");
      auto one = ar.child(name);
      b.agents[name] = read_limits(one, {-1, -1});
      one.finish();
    }
    ar.finish();
  }
  auto v = r.child("velocity");
  v.read_seconds("window_s", b.velocity_window_ms, 1, 86'400);
  v.read("baseline_windows", b.velocity_baseline_windows, 1, 10'000);
  v.read("factor", b.velocity_factor, 1, 1e6);
  double min_usd = pico_to_usd(b.velocity_min);
  v.read("min_usd", min_usd, 0, 1e9);
  b.velocity_min = usd_to_pico(min_usd);
  v.read_seconds("pause_s", b.velocity_pause_ms, 0, 86'400);
  v.finish();
  r.read("projection_min_elapsed_pct", b.projection_min_elapsed_pct, 0.1, 100);
  auto c = r.child("cluster");
  c.read("enabled", b.cluster);
  c.read("lease_pct", b.lease_pct, 0.01, 100);
  c.read_seconds("lease_wait_s", b.lease_wait_ms, 0, 60);
  c.read_seconds("lease_timeout_s", b.lease_timeout_ms, 0.1, 600);
  c.finish();
  r.finish();
}

void read_significance(config_reader r, significance_config& s) {
  r.read("move_pct", s.move_pct, 0.001, 100);
  r.read_seconds("move_window_s", s.move_window_ms, 1, 86'400);
  r.read("volume_multiplier", s.volume_multiplier, 1, 1e6);
  r.read("volume_avg_minutes", s.volume_avg_minutes, 2, 1440);
  r.read("vol_jump_factor", s.vol_jump_factor, 1, 1e6);
  r.read("vol_window_minutes", s.vol_window_minutes, 3, 1440);
  r.read_seconds("sr_window_s", s.sr_window_ms, 60, 30 * 86'400);
  r.read_seconds("sr_min_age_s", s.sr_min_age_ms, 0, 30 * 86'400);
  if (s.sr_min_age_ms >= s.sr_window_ms) r.fail("sr_min_age_s", "must be below sr_window_s");
  r.read("sr_margin_pct", s.sr_margin_pct, 0, 100);
  r.read("spread_factor", s.spread_factor, 1, 1e6);
  r.read_seconds("spread_window_s", s.spread_window_ms, 10, 86'400);
  r.read_seconds("cooldown_s", s.cooldown_ms, 0, 30 * 86'400);
  r.read_seconds("reaction_window_s", s.reaction_window_ms, 0, 86'400);
  if (r.has("grid")) {
    auto g = r.child("grid");
    auto& x = s.grid;
    read_list(g, "move_pct", x.move_pct, 0.001, 100);
    read_seconds_list(g, "move_window_s", x.move_window_ms, 1, 86'400);
    read_list(g, "volume_multiplier", x.volume_multiplier, 1, 1e6);
    read_minutes_list(g, "volume_avg_minutes", x.volume_avg_minutes, 2, 1440);
    read_list(g, "spread_factor", x.spread_factor, 1, 1e6);
    read_list(g, "vol_jump_factor", x.vol_jump_factor, 1, 1e6);
    read_seconds_list(g, "cooldown_s", x.cooldown_ms, 0, 30 * 86'400);
    read_seconds_list(g, "volume_cooldown_s", x.volume_cooldown_ms, 0, 30 * 86'400);
    g.finish();
  }
  r.finish();
}

void read_alerts(config_reader r, alerts_config& a) {
  r.read_seconds("dedup_window_s", a.dedup_window_ms, 0, 30 * 86'400);
  r.read("dlq_window_records", a.dlq_window_records, 10, 10'000'000);
  r.read("dlq_max_pct", a.dlq_max_pct, 0, 100);
  if (r.has("webhooks")) {
    auto& list = r.raw("webhooks");
    if (!list.is_array()) r.fail("webhooks", "must be an array of {url, ...}");
    for (size_t i = 0; i < list.size(); ++i) {
      const auto key = "webhooks[" + std::to_string(i) + "]";
      if (!list[i].is_object()) r.fail(key, "must be an object with at least url");
      config_reader w{list[i], r.key_path(key)};
      webhook_config h;
      w.read("url", h.url, true);
      if (h.url.rfind("http://", 0) != 0 && h.url.rfind("https://", 0) != 0)
        w.fail("url", "must start with http:// or https://");
      w.read("max_per_minute", h.max_per_minute, 1, 10'000);
      w.read("retries", h.retries, 0, 20);
      w.read_seconds("backoff_s", h.backoff_ms, 0.001, 3'600);
      w.read_seconds("timeout_s", h.timeout_ms, 0.1, 600);
      w.finish();
      a.webhooks.push_back(std::move(h));
    }
  }
  r.finish();
}

void read_gateway(config_reader r, gateway_config& g) {
  r.read("shed_queue_depth", g.shed_queue_depth, 1, 10'000'000);
  r.read("max_queue", g.max_queue, 1, 10'000'000);
  if (g.max_queue < g.shed_queue_depth) r.fail("max_queue", "must not be below shed_queue_depth");
  r.read_seconds("low_max_wait_s", g.low_max_wait_ms, 0.001, 86'400);
  r.read("backoff_base_ms", g.backoff_base_ms, 1, 600'000);
  r.read("backoff_max_ms", g.backoff_max_ms, 1, 3'600'000);
  if (g.backoff_max_ms < g.backoff_base_ms) r.fail("backoff_max_ms", "must not be below backoff_base_ms");
  r.read_seconds("retry_after_max_s", g.retry_after_max_ms, 0, 3'600);
  auto b = r.child("breaker");
  b.read("window", g.breaker_window, 1, 10'000);
  b.read("min_calls", g.breaker_min_calls, 1, 10'000);
  if (g.breaker_min_calls > g.breaker_window) b.fail("min_calls", "must not exceed window");
  b.read("failure_rate", g.breaker_failure_rate, 0.01, 1);
  b.read_seconds("open_s", g.breaker_open_ms, 0.001, 86'400);
  b.finish();
  r.read("latency_alpha", g.latency_alpha, 0.001, 1);
  r.read("rate_limit_max_retries", g.rate_limit_max_retries, 0, 1000);
  r.read_seconds("rate_limit_recover_s", g.rate_limit_recover_ms, 0, 86'400);
  r.read("max_response_bytes", g.max_response_bytes, 1024, 1ll << 30);
  r.finish();
}

void read_quantise(config_reader r, quantise_config& q) {
  r.read("price_step_vols", q.price_step_vols, 0, 1000);
  r.read("price_step_min_pct", q.price_step_min_pct, 1e-6, 100);
  r.read("price_step_max_pct", q.price_step_max_pct, 1e-6, 100);
  if (q.price_step_max_pct < q.price_step_min_pct)
    r.fail("price_step_max_pct", "must not be below price_step_min_pct");
  r.read("vol_band_base_pct", q.vol_band_base_pct, 1e-9, 1000);
  r.read("vol_band_ratio", q.vol_band_ratio, 1.01, 100);
  r.read("rsi_band", q.rsi_band, 0.01, 100);
  r.read("iv_band", q.iv_band, 1e-6, 100);
  read_list(r, "adx_edges", q.adx_edges, 0, 100);
  read_list(r, "volume_edges", q.volume_edges, 0, 1e9);
  read_list(r, "spread_edges_bps", q.spread_edges_bps, 0, 1e6);
  read_list(r, "bollinger_edges", q.bollinger_edges, -100, 100);
  read_list(r, "expiry_edges_days", q.expiry_edges_days, 0, 1e5);
  r.finish();
}

agent_config read_agent(config_reader r, const std::string& name) {
  agent_config a;
  a.name = name;
  r.read("response_type", a.response_type, true);
  r.read("system_prompt", a.system_prompt, true);
  r.read("prompt_version", a.prompt_version, true);
  r.read("max_tokens", a.max_tokens, 16, 100'000);
  r.read("expected_output_tokens", a.expected_output_tokens, 1, 100'000);
  if (a.expected_output_tokens > a.max_tokens)
    r.fail("expected_output_tokens", "must not exceed max_tokens");
  r.read("provider", a.provider);
  a.subscribes.assign(static_cast<size_t>(event_type::count_), false);
  if (!r.has("events")) r.fail("events", "is required (a list of event types, or [\"*\"])");
  auto& ev = r.raw("events");
  if (!ev.is_array() || ev.empty()) r.fail("events", "must be a non-empty list of event types");
  for (auto& e : ev) {
    if (!e.is_string()) r.fail("events", "entries must be strings");
    auto s = e.get<std::string>();
    if (s == "*") {
      a.subscribes.assign(a.subscribes.size(), true);
      continue;
    }
    event_type t;
    if (!parse_event_type(s, t)) r.fail("events", "unknown event type '" + s + "'");
    a.subscribes[static_cast<size_t>(t)] = true;
  }
  if (r.has("cache_features")) {
    auto& cf = r.raw("cache_features");
    if (!cf.is_array() || cf.empty())
      r.fail("cache_features", std::string("must be a non-empty list of: ") + cache_feature_names());
    a.cache_features = 0;
    for (auto& f : cf) {
      uint32_t bit = 0;
      if (!f.is_string() || !parse_cache_feature(f.get<std::string>(), bit))
        r.fail("cache_features", "unknown feature " + f.dump() + " (" + cache_feature_names() + ")");
      a.cache_features |= bit;
    }
  }
  auto w = r.child("weights");
  w.read("price", a.weight_price, 0, 100);
  w.read("volatility", a.weight_volatility, 0, 100);
  w.read("rsi", a.weight_rsi, 0, 100);
  w.finish();
  auto s = r.child("strategy");
  std::string kind = "periodic";
  s.read("kind", kind, true);
  a.strategy.kind = parse_kind(s, "kind", kind);
  s.read_seconds("interval_s", a.strategy.interval_ms, 0, 30 * 86'400.0);
  s.read("change_pct", a.strategy.change_pct, 0, 10'000);
  s.read("score", a.strategy.score, 0, 10);
  s.read_seconds("min_interval_s", a.strategy.min_interval_ms, 0, 30 * 86'400.0);
  s.read_seconds("max_interval_s", a.strategy.max_interval_ms, 0, 30 * 86'400.0);
  s.read("reference_volatility_pct", a.strategy.reference_volatility_pct, 1e-6, 1000);
  if (a.strategy.min_interval_ms > a.strategy.max_interval_ms)
    s.fail("min_interval_s", "must not exceed max_interval_s");
  s.finish();
  r.finish();
  return a;
}

std::string resolve_relative(const std::string& file, const std::string& config_path) {
  if (file.empty() || fs::path(file).is_absolute() || fs::exists(file)) return file;
  auto beside = fs::path(config_path).parent_path() / file;
  if (fs::exists(beside)) return beside.string();
  auto in_tree = fs::path(TICKGATE_SOURCE_DIR) / file;
  return fs::exists(in_tree) ? in_tree.string() : file;
}

}  // namespace

namespace {
struct feature_name {
  const char* name;
  uint32_t bit;
};
constexpr feature_name k_cache_features[] = {
    {"price", cf_price},   {"volatility", cf_volatility}, {"rsi", cf_rsi},
    {"trend", cf_trend},   {"levels", cf_levels},         {"volume", cf_volume},
    {"spread", cf_spread}, {"bollinger", cf_bollinger},   {"options", cf_options},
    {"trigger", cf_trigger},
};
}  // namespace

bool parse_cache_feature(const std::string& name, uint32_t& bit) {
  for (auto& f : k_cache_features)
    if (name == f.name) {
      bit = f.bit;
      return true;
    }
  return false;
}

const char* cache_feature_names() {
  return "price, volatility, rsi, trend, levels, volume, spread, bollinger, options, trigger";
}

const char* to_string(sampling_kind k) {
  switch (k) {
    case sampling_kind::always: return "always";
    case sampling_kind::periodic: return "periodic";
    case sampling_kind::change_based: return "change_based";
    case sampling_kind::threshold: return "threshold";
    case sampling_kind::adaptive: return "adaptive";
  }
  return "?";
}

int config::agent_index(const std::string& name) const {
  for (size_t i = 0; i < agents.size(); ++i)
    if (agents[i].name == name) return static_cast<int>(i);
  return -1;
}

std::string default_config_path() {
  if (fs::exists("config/default.json")) return "config/default.json";
  return std::string(TICKGATE_SOURCE_DIR) + "/config/default.json";
}

std::map<std::string, model_price> load_prices(const std::string& file,
                                               const std::vector<std::string>& models) {
  json doc = parse_file(file);
  std::map<std::string, model_price> out;
  for (auto& m : models) {
    auto it = doc.find(m);
    if (it == doc.end() || !it->is_object())
      throw config_error("config: model '" + m + "' is not in the pricing file " + file +
                         " (an unpriced model is never assumed to be free)");
    auto per_token = [&](const char* key, bool required) -> picousd {
      auto f = it->find(key);
      if (f == it->end() || f->is_null()) {
        if (required)
          throw config_error("config: model '" + m + "' has no " + key + " in " + file);
        return -1;
      }
      if (!f->is_number() || f->get<double>() < 0)
        throw config_error("config: model '" + m + "': " + key + " is not a price");
      return usd_to_pico(f->get<double>());
    };
    model_price p;
    p.input = per_token("input_cost_per_token", true);
    p.output = per_token("output_cost_per_token", true);
    p.cache_read = per_token("cache_read_input_token_cost", false);
    p.cache_write = per_token("cache_creation_input_token_cost", false);
    if (p.cache_read < 0) p.cache_read = p.input;  // no discount known: charge full input
    if (p.cache_write < 0) p.cache_write = p.input;
    out[m] = p;
  }
  return out;
}

static std::shared_ptr<const config> build_config(json root, const std::string& path,
                                           const std::vector<std::string>& set_overrides,
                                           const config* previous = nullptr) {
  auto c = std::make_shared<config>();
  c->source_path = path;
  c->overrides = set_overrides;
  c->effective_json = root.dump();
  config_reader r{root, ""};
  read_kafka(r.child("kafka"), c->kafka);
  read_input(r.child("input"), c->input);
  c->input.limits.max_bytes = static_cast<size_t>(c->kafka.max_tick_bytes);
  {
    auto o = r.child("outside_events");
    o.read("max_bytes", c->outside.max_bytes, 64, 1 << 20);
    o.read("max_text_bytes", c->outside.max_text_bytes, 0, 1 << 20);
    if (o.has("max_priority")) {
      std::string s;
      o.read("max_priority", s, true);
      priority p{};
      if (!parse_priority(s, p)) o.fail("max_priority", "must be one of low, medium, high, critical");
      c->outside.max_priority = static_cast<uint8_t>(p);
    }
    o.read_seconds("max_wait_s", c->outside.max_wait_ms, 0, 3600);
    o.finish();
  }
  {
    auto p = r.child("pipeline");
    p.read("shards", c->shards, 1, 64);
    p.read("callers", c->callers, 1, 256);
    p.read_seconds("drain_timeout_s", c->drain_timeout_ms, 1, 3600);
    p.read("max_in_flight", c->max_in_flight, 1, 100'000'000);
    p.read("max_uncommitted", c->max_uncommitted, 1, 1'000'000'000);
    p.read("trim_growth_mb", c->trim_growth_mb, 0, 1'048'576);
    p.read("changelog", c->changelog);
    p.read("checkpoint_interval_ms", c->checkpoint_interval_ms, 10, 600'000);
    p.finish();
  }
  {
    auto s = r.child("storage");
    s.read("data_dir", c->data_dir, true);
    s.read("sync_writes", c->sync_writes);
    {
      auto ret = s.child("retention");
      ret.read("decisions_days", c->decisions_retention_days, 0, 36'500);
      ret.read("ledger_days", c->ledger_retention_days, 0, 36'500);
      ret.read("analyses_days", c->analyses_retention_days, 0, 36'500);
      ret.read("symbol_idle_days", c->symbol_idle_days, 0, 36'500);
      ret.finish();
    }
    s.finish();
  }
  {
    auto a = r.child("admin");
    a.read("listen", c->admin_listen, true);
    a.read("token_env", c->admin_token_env, true);
    a.read("max_body_bytes", c->admin_max_body_bytes, 1024, 64ll << 20);
    a.read("read_timeout_ms", c->admin_read_timeout_ms, 100, 600'000);
    a.read("threads", c->admin_threads, 2, 1024);
    a.finish();
  }
  {
    auto l = r.child("log");
    l.read("level", c->log_level, true);
    static const std::vector<std::string> levels{"trace", "debug", "info", "warn", "error", "off"};
    if (std::find(levels.begin(), levels.end(), c->log_level) == levels.end())
      l.fail("level", "must be one of trace, debug, info, warn, error, off");
    l.finish();
  }
  read_events(r.child("events"), c->events, *c);
  read_change(r.child("change"), c->change);
  {
    auto b = r.child("batching");
    b.read("batch_size", c->batch_size, 1, 100);
    b.read_seconds("batch_timeout_s", c->batch_timeout_ms, 0.001, 86'400);
    b.read_seconds("idle_flush_s", c->batch_idle_flush_ms, 0.001, 86'400);
    b.finish();
  }
  {
    auto ca = r.child("cache");
    ca.read("memory_bytes", c->cache_memory_bytes, 0, 1ll << 40);
    ca.read_seconds("max_age_s", c->cache_max_age_ms, 1, 365 * 86'400.0);
    ca.read_seconds("max_wait_s", c->cache_max_wait_ms, 0.001, 86'400);
    auto ttl = ca.child("ttl_s");
    // ca and ttl validated both as objects when present.
    const json ttls = root.contains("cache") && root["cache"].contains("ttl_s")
                          ? root["cache"]["ttl_s"] : json::object();
    for (auto& [k, v] : ttls.items()) {
      int64_t ms = 0;
      ttl.read_seconds(k, ms, 0, 365 * 86'400.0);
      c->cache_ttl_ms[k] = ms;
    }
    ttl.finish();
    read_quantise(ca.child("quantise"), c->cache_quantise);
    ca.finish();
  }
  {
    auto pr = r.child("providers");
    if (!r.has("providers")) r.fail("providers", "at least one provider is required");
    for (auto& [name, v] : root["providers"].items())
      c->providers[name] = read_provider(pr.child(name), name);
    pr.finish();
  }
  {
    auto ro = r.child("routing");
    ro.read("provider", c->routing_provider, true);
    if (ro.has("order")) {
      auto& order = ro.raw("order");
      if (!order.is_array()) ro.fail("order", "must be a list of provider names");
      for (auto& o : order) {
        if (!o.is_string() || !c->providers.count(o.get<std::string>()))
          ro.fail("order", "names an unknown provider " + o.dump());
        c->routing_order.push_back(o.get<std::string>());
      }
    }
    ro.read("strategy", c->gateway.strategy, true);
    static const std::vector<std::string> strategies{"minimize_cost", "balanced",
                                                     "maximize_quality", "speed"};
    if (std::find(strategies.begin(), strategies.end(), c->gateway.strategy) == strategies.end())
      ro.fail("strategy", "must be one of minimize_cost, balanced, maximize_quality, speed");
    if (c->routing_provider != "auto" && !c->providers.count(c->routing_provider))
      ro.fail("provider", "names an unknown provider '" + c->routing_provider + "'");
    ro.finish();
  }
  {
    if (!r.has("agents")) r.fail("agents", "at least one agent is required");
    auto ag = r.child("agents");
    for (auto& [name, v] : root["agents"].items()) {
      c->agents.push_back(read_agent(ag.child(name), name));
      auto& a = c->agents.back();
      if (!a.provider.empty() && !c->providers.count(a.provider))
        ag.fail(name + ".provider", "names an unknown provider '" + a.provider + "'");
    }
    if (c->agents.empty()) r.fail("agents", "at least one agent is required");
    ag.finish();
  }
  read_budget(r.child("budget"), c->budget, c->agents);
  read_gateway(r.child("gateway"), c->gateway);
  read_alerts(r.child("alerts"), c->alerts);
  {
    auto b = r.child("backtest");
    read_significance(b.child("significance"), c->significance);
    b.finish();
  }
  r.read("pricing_file", c->pricing_file, true);
  int32_t version = 1;
  r.read("config_version", version, 1, 1'000'000'000);
  c->version = static_cast<uint32_t>(version);
  r.finish();

  for (auto& a : c->agents)
    if (!c->cache_ttl_ms.count(a.response_type))
      throw config_error("config: agents." + a.name + ".response_type: no cache.ttl_s." +
                         a.response_type + " defined");

  std::vector<std::string> models;
  for (auto& [n, p] : c->providers)
    if (p.kind != "rules")
      for (auto& m : p.models) models.push_back(m.name);
  c->pricing_file = resolve_relative(c->pricing_file, path);
  // A live change keeps the prices it started with (the file may be gone); only a model it
  // did not know yet is looked up in the file.
  std::vector<std::string> unknown;
  for (auto& m : models)
    if (previous && previous->prices.count(m)) c->prices[m] = previous->prices.at(m);
    else unknown.push_back(m);
  if (!unknown.empty())
    for (auto& [m, p] : load_prices(c->pricing_file, unknown)) c->prices[m] = p;
  return c;
}

std::shared_ptr<const config> load_config(const std::string& path,
                                          const std::vector<std::string>& set_overrides) {
  json root = parse_file(path);
  if (!root.is_object()) throw config_error("config: " + path + " must hold a JSON object");
  for (auto& o : set_overrides) apply_override(root, o);
  try {
    return build_config(std::move(root), path, set_overrides);
  } catch (const json::exception& e) {  // a shape the reader did not foresee: still one line
    throw config_error("config: " + path + ": " + e.what());
  }
}

std::vector<std::string> agent_names(const config& cfg) {
  std::vector<std::string> v;
  for (auto& a : cfg.agents) v.push_back(a.name);
  return v;
}

std::shared_ptr<const config> reload_config(const config& current,
                                            const std::vector<std::string>& set_overrides) {
  json root = json::parse(current.effective_json);
  root["pricing_file"] = current.pricing_file;  // resolved at start-up, absolute
  for (auto& o : set_overrides) apply_override(root, o);
  auto all = current.overrides;
  all.insert(all.end(), set_overrides.begin(), set_overrides.end());
  return build_config(std::move(root), current.source_path, all, &current);
}


}  // namespace tickgate
