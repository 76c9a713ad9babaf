#include "actors/sink/ledger.hpp"

#include "actors/llm/outcome.hpp"
#include "actors/sink/records.hpp"
#include "common/civil_time.hpp"

namespace tickgate {

bool add_to_ledger(kv_store& store, const request_outcome& o, write_batch& batch) {
  std::string existing;
  if (store.get(column::ledger, o.request_id, existing)) return false;
  batch.put(column::ledger, o.request_id, encode_ledger(o));
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
    batch.add(column::ledger, p + "total", whole);
    batch.add(column::ledger, p + "agent/" + o.agent, whole);
    batch.add(column::ledger, p + "provider/" + o.provider, whole);
    batch.add(column::ledger, p + "model/" + o.model, whole);
  }
  // Per symbol: each analysis's share (a batch covers several symbols).
  const size_t n = o.analyses.size();
  for (size_t i = 0; i < n; ++i) {
    const auto& a = o.analyses[i];
    std::vector<int64_t> share{1,
                               a.cost,
                               share_of(o.input_tokens, n, i),
                               a.cached_tokens,
                               share_of(o.cache_write_tokens, n, i),
                               a.output_tokens,
                               share_of(o.avoided, n, i),
                               share_of(o.would_cost, n, i)};
    for (auto& p : periods) batch.add(column::ledger, p + "symbol/" + a.item.symbol, share);
  }
  return true;
}

std::vector<int64_t> ledger_aggregate(kv_store& store, const std::string& key) {
  std::string v;
  auto out = store.get(column::ledger, key, v) ? unpack_counters(v) : std::vector<int64_t>{};
  out.resize(lf_count_, 0);
  return out;
}

void add_analyses(const request_outcome& o, write_batch& batch) {
  for (auto& a : o.analyses)
    batch.put(column::analyses, analysis_key(a.request_id, a.part), encode_analysis(a));
}

}  // namespace tickgate
