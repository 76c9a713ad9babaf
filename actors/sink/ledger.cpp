#include "actors/sink/ledger.hpp"

#include "actors/llm/cost_estimate.hpp"
#include "actors/llm/outcome.hpp"
#include "actors/sink/records.hpp"
#include "common/civil_time.hpp"

namespace tickgate {

void ledger_writer::add_deltas(const std::string& key, const std::vector<int64_t>& d) {
  auto& acc = deltas_[key];
  if (acc.size() < d.size()) acc.resize(d.size(), 0);
  for (size_t i = 0; i < d.size(); ++i) acc[i] += d[i];
}

bool ledger_writer::add(const request_outcome& o) {
  std::string existing;
  if (store_.get(column::ledger, o.request_id, existing)) return false;
  for (auto& [id, rec] : records_)
    if (id == o.request_id) return false;
  records_.emplace_back(o.request_id, encode_ledger(o));
  const std::vector<int64_t> whole{1,
                                   o.cost,
                                   o.input_tokens,
                                   o.cached_tokens,
                                   o.cache_write_tokens,
                                   o.output_tokens,
                                   o.avoided,
                                   o.would_cost};
  const std::string periods[] = {"agg/day/" + utc_day(o.event_ts) + "/",
                                 "agg/month/" + utc_month(o.event_ts) + "/"};
  for (auto& p : periods) {
    add_deltas(p + "total", whole);
    add_deltas(p + "agent/" + o.agent, whole);
    add_deltas(p + "provider/" + o.provider, whole);
    add_deltas(p + "model/" + o.model, whole);
  }
  // Per symbol: each analysis's share (a batch covers several symbols).
  const size_t n = o.analyses.size();
  for (size_t i = 0; i < n; ++i) {
    const auto& a = o.analyses[i];
    const std::vector<int64_t> share{1,
                                     a.cost,
                                     share_of(o.input_tokens, n, i),
                                     a.cached_tokens,
                                     share_of(o.cache_write_tokens, n, i),
                                     a.output_tokens,
                                     share_of(o.avoided, n, i),
                                     share_of(o.would_cost, n, i)};
    for (auto& p : periods) add_deltas(p + "symbol/" + a.item.symbol, share);
  }
  // What providers bill per prompt byte and per agent (cost_estimate.hpp): lifetime sums of
  // the answered calls whose usage was trusted.
  if (o.source == "llm" && o.error.empty() && o.prompt_bytes > 0) {
    const auto c = calibration_sums{1, o.prompt_bytes, o.input_tokens, o.cached_tokens,
                                    o.cache_write_tokens, o.output_tokens}.pack();
    add_deltas(std::string(k_calibration_prefix) + "model/" + o.model, c);
    add_deltas(std::string(k_calibration_prefix) + "agent/" + o.agent, c);
  }
  return true;
}

void ledger_writer::flush_into(write_batch& batch) {
  for (auto& [id, rec] : records_) batch.put(column::ledger, id, std::move(rec));
  for (auto& [key, d] : deltas_) batch.add(column::ledger, key, d);
  records_.clear();
  deltas_.clear();
}

bool add_to_ledger(kv_store& store, const request_outcome& o, write_batch& batch) {
  ledger_writer w(store);
  if (!w.add(o)) return false;
  w.flush_into(batch);
  return true;
}

void load_calibration(kv_store& store, cost_estimator& e) {
  const std::string prefix = k_calibration_prefix;
  store.scan(column::ledger, prefix, [&](std::string_view k, std::string_view v) {
    if (k.substr(0, prefix.size()) != prefix) return false;
    const auto rest = std::string(k.substr(prefix.size()));
    const auto sums = calibration_sums::unpack(unpack_counters(v));
    if (rest.rfind("model/", 0) == 0) e.load_model(rest.substr(6), sums);
    else if (rest.rfind("agent/", 0) == 0) e.load_agent(rest.substr(6), sums);
    return true;
  });
}

std::vector<int64_t> ledger_aggregate(kv_store& store, const std::string& key) {
  std::string v;
  auto out = store.get(column::ledger, key, v) ? unpack_counters(v) : std::vector<int64_t>{};
  out.resize(lf_count_, 0);
  return out;
}

std::vector<std::string> add_analyses(const request_outcome& o, write_batch& batch) {
  std::vector<std::string> encoded;
  encoded.reserve(o.analyses.size());
  for (auto& a : o.analyses) {
    encoded.push_back(encode_analysis(a));
    batch.put(column::analyses, analysis_key(a.request_id, a.part), encoded.back());
  }
  return encoded;
}

}  // namespace tickgate
