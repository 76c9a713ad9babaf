#pragma once
// The four decision policies chained as the actors chain them (prioritise -> change ->
// sampling -> batching), on one thread, for the benches that measure the stages alone.
#include <memory>

#include "actors/batching/batching_policy.hpp"
#include "actors/change/change_policy.hpp"
#include "actors/prioritise/prioritise_policy.hpp"
#include "actors/sampling/sampling_policy.hpp"
#include "config/config.hpp"

namespace tickgate::bench {

struct stage_chain {
  explicit stage_chain(std::shared_ptr<const config> c)
      : cfg(std::move(c)),
        prio(cfg->events),
        change(cfg->change, cfg->agents),
        sampling(cfg->agents, cfg->min_ai_interval_ms, cfg->critical_min_spacing_ms),
        batching(cfg->batch_size, cfg->batch_timeout_ms) {}

  /// One tick through every stage; returns the requests it formed (direct, batches closed).
  int64_t step(const tick& t) {
    int64_t requests = 0;
    w.t = t;
    w.t.partition = 0;
    prio.assess(w.t, w.snap, w.events);
    w.top_prio = 0;
    initial_verdicts(cfg->agents, w);
    change.assess(w);
    sampling.decide(w);
    requests += static_cast<int64_t>(batching.advance(0, w.t.ts).size());
    for (auto& v : w.verdicts) {
      if (v.act == static_cast<uint8_t>(action::call)) {
        last_request = make_request(*cfg, v.agent, {make_item(*cfg, w, v)});
        ++requests;
      } else if (v.act == static_cast<uint8_t>(action::batch)) {
        if (!batching.add(v.agent, make_item(*cfg, w, v), 0).empty()) ++requests;
      }
    }
    return requests;
  }
  int64_t finish() { return static_cast<int64_t>(batching.flush_all().size()); }

  std::shared_ptr<const config> cfg;
  prioritise_policy prio;
  change_policy change;
  sampling_policy sampling;
  batching_policy batching;
  tick_work w;
  llm_request last_request;
};

}  // namespace tickgate::bench
