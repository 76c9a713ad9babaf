#pragma once
// The cost ledger of the whole cluster: every instance publishes one record per request to
// ai.costs; this folds all of them (read from the beginning, as a global table, no consumer
// group) into aggregates like an instance's own ledger, so that /ai-cost/* on any instance can
// answer for the cluster. A request published twice (at-least-once) counts once.
#include <memory>
#include <string>

#include "storage/kv_store.hpp"

namespace tickgate {

struct config;
class topic_tail;

class cluster_costs {
 public:
  /// Kept in `base` under "cluster/" (its state column), so the instance's own ledger is
  /// untouched. Starts reading at once.
  cluster_costs(const std::string& bootstrap, const config& cfg, kv_store& base);
  ~cluster_costs();
  kv_store& view() { return *view_; }
  /// Every record that was on the topic at start is folded in.
  bool caught_up() const;
  int64_t records() const;

 private:
  std::unique_ptr<kv_store> view_;
  std::unique_ptr<topic_tail> tail_;
};

}  // namespace tickgate
