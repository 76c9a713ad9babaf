#include "app/admin/cluster_costs.hpp"

#include <spdlog/spdlog.h>

#include "actors/sink/ledger.hpp"
#include "actors/sink/records.hpp"
#include "config/config.hpp"
#include "kafka/topic_tail.hpp"

namespace tickgate {

cluster_costs::cluster_costs(const std::string& bootstrap, const config& cfg, kv_store& base)
    : view_(make_prefixed_store(base, "cluster/")) {
  tail_ = std::make_unique<topic_tail>(
      bootstrap, cfg.kafka.costs_topic, cfg.kafka.consumer_properties,
      [this](int32_t partition, int64_t offset, const std::string&, const std::string& value) {
        request_outcome o;
        if (!outcome_from_ledger(value, o)) {
          spdlog::warn("costs: not a ledger record partition={} offset={} (skipped)", partition, offset);
          return;
        }
        write_batch batch;
        if (add_to_ledger(*view_, o, batch)) view_->write(batch);
      });
}

cluster_costs::~cluster_costs() = default;

bool cluster_costs::caught_up() const { return tail_->caught_up(); }
int64_t cluster_costs::records() const { return tail_->records(); }

}  // namespace tickgate
