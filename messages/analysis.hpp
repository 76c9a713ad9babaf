#pragma once
// What comes out of the gateway and into the sink, and the acknowledgements that let the
// ingest actor commit offsets only after the sink has made everything durable.
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "common/money.hpp"
#include "messages/llm_request.hpp"

namespace tickgate {

/// One agent's analysis of one event (a batched answer is split into one per event).
struct analysis {
  std::string request_id;  // of the request; batch parts share it
  int32_t part = 0;        // index within the request's items
  int32_t parts = 1;
  std::string agent;
  request_item item;
  std::string source;  // llm, cache, rules
  std::string provider;
  std::string model;
  std::string result_json;  // the agent's parsed answer, re-serialised
  int64_t input_tokens = 0;  // this part's share
  int64_t output_tokens = 0;
  int64_t cached_tokens = 0;
  picousd cost = 0;        // this part's share of what was paid
  picousd would_cost = 0;  // offline/dry-run: what the configured model would have charged
  uint32_t config_version = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, analysis& x) {
  return f(caf::meta::type_name("analysis"), x.request_id, x.part, x.parts, x.agent, x.item,
           x.source, x.provider, x.model, x.result_json, x.input_tokens, x.output_tokens,
           x.cached_tokens, x.cost, x.would_cost, x.config_version);
}

/// A finished request: the ledger entry and its analyses, written by the sink in one batch.
struct request_outcome {
  std::string request_id;
  std::string agent;
  std::string source;  // llm, cache, rules, ledger (answered from an earlier paid call)
  std::string provider;
  std::string model;
  int64_t event_ts = 0;  // event time of the (last) trigger
  int64_t wall_ms = 0;
  int64_t input_tokens = 0;  // uncached input
  int64_t cached_tokens = 0;  // cache reads
  int64_t cache_write_tokens = 0;
  int64_t output_tokens = 0;
  picousd cost = 0;
  picousd would_cost = 0;
  int64_t would_input_tokens = 0;   // dry run: the prompt's estimated tokens...
  int64_t would_output_tokens = 0;  // ...and the agent's expected output
  int64_t prompt_bytes = 0;  // a provider call: system + user prompt bytes (calibrates estimates)
  picousd avoided = 0;  // cache hit: what the call would have cost
  int64_t latency_us = 0;
  int32_t attempts = 0;
  std::string error;  // why the answer came from rules, if it did
  std::string cache_key;
  bool persisted = false;  // the caller already wrote analyses and ledger (write-ahead)
  std::vector<analysis> analyses;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, request_outcome& x) {
  return f(caf::meta::type_name("request_outcome"), x.request_id, x.agent, x.source, x.provider,
           x.model, x.event_ts, x.wall_ms, x.input_tokens, x.cached_tokens,
           x.cache_write_tokens, x.output_tokens, x.cost, x.would_cost, x.would_input_tokens,
           x.would_output_tokens, x.prompt_bytes, x.avoided, x.latency_us, x.attempts, x.error, x.cache_key, x.persisted, x.analyses);
}

/// Batching -> sink: the decision log of one shard's poll round, encoded where it was decided
/// (the sink, a single thread every tick passes, only writes it): one block per event day and
/// symbol (keys and values back to back in `bytes`), and per tick what the sink needs of it:
/// its event time (retention), when it was read (latency), and how many requests still
/// reference it (the ingest commits it once they are settled).
struct decision_rows {
  std::string bytes;  // key, value, key, value, ... back to back (per block)
  std::vector<uint32_t> key_sizes;    // per block
  std::vector<uint32_t> value_sizes;  // per block
  std::vector<int64_t> ts;  // this and the rest: per tick
  std::vector<int64_t> ingest_ns;
  std::vector<int32_t> partitions;
  std::vector<int64_t> offsets;
  std::vector<int32_t> outstanding;
  uint64_t verdicts = 0;
  size_t size() const { return ts.size(); }
  bool empty() const { return ts.empty(); }
  /// Room for `n` ticks' bookkeeping (a round's: no regrowth while it is filled).
  void reserve(size_t n) {
    ts.reserve(n), ingest_ns.reserve(n), partitions.reserve(n), offsets.reserve(n), outstanding.reserve(n);
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, decision_rows& x) {
  return f(caf::meta::type_name("decision_rows"), x.bytes, x.key_sizes, x.value_sizes, x.ts,
           x.ingest_ns, x.partitions, x.offsets, x.outstanding, x.verdicts);
}

/// Sink -> ingest: the tick's decisions are durable; `outstanding` requests still cover it.
struct tick_accounted {
  int32_t partition = -1;
  int64_t offset = -1;
  int32_t outstanding = 0;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tick_accounted& x) {
  return f(caf::meta::type_name("tick_accounted"), x.partition, x.offset, x.outstanding);
}

/// Sink -> ingest: every tick of one durable write, in one message (a message per tick woke
/// the ingest thread per tick).
struct ticks_accounted {
  std::vector<tick_accounted> ticks;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ticks_accounted& x) {
  return f(caf::meta::type_name("ticks_accounted"), x.ticks);
}

/// Sink -> ingest: a request's results are durable and delivered; these ticks are one closer.
struct requests_settled {
  std::vector<int32_t> partitions;
  std::vector<int64_t> offsets;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, requests_settled& x) {
  return f(caf::meta::type_name("requests_settled"), x.partitions, x.offsets);
}

}  // namespace tickgate
