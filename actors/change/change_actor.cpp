#include "actors/change/change_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/change/change_policy.hpp"
#include "actors/stage_checkpoint.hpp"

namespace tickgate {
namespace {

struct change_state {
  std::unique_ptr<change_policy> policy;
  counter* changed = nullptr;
  histogram* timing = nullptr;
  static inline const char* name = "change";
};

change_actor::behavior_type change_impl(change_actor::stateful_pointer<change_state> self,
                                        pipeline_env env, sampling_actor next) {
  self->state.policy = std::make_unique<change_policy>(env.cfg->change, env.cfg->agents);
  self->state.changed = &env.stats->add_counter(
      "tickgate_significant_changes_total", "", "Per-agent significant changes vs the baseline");
  self->state.timing = &stage_latency(*env.stats, "change");
  return {
      [=](prioritised& m) {
        uint64_t changed = 0;
        {
          round_timer timer{*self->state.timing, m.ws.size()};
          for (auto& w : m.ws) {
            self->state.policy->assess(w);
            for (auto& v : w.verdicts) changed += v.changed ? 1 : 0;
          }
        }
        if (changed) self->state.changed->inc(changed);
        self->send(next, assessed{std::move(m.ws)});
      },
      [=](drain_atom a) { self->send(next, a); },
      [=](partitions_revoked& r) {
        forget_symbols(*self->state.policy, r);
        self->send(next, std::move(r));
      },
      [=](checkpoint_mark& m) {
        append_checkpoint(*self->state.policy, m);
        self->send(next, std::move(m));
      },
      [=](state_restore& r) {
        restore_checkpoint(*self->state.policy, r, 1, "change");
        self->send(next, std::move(r));
      },
      [=](config_update& u) {
        self->state.policy->set_config(u.cfg->change, u.cfg->agents);
        self->send(next, std::move(u));
      },
  };
}

}  // namespace

change_actor spawn_change(caf::actor_system& sys, const pipeline_env& env, sampling_actor next) {
  return sys.spawn(change_impl, env, next);
}

}  // namespace tickgate
