#include "actors/sampling/sampling_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/sampling/sampling_policy.hpp"
#include "actors/stage_checkpoint.hpp"

namespace tickgate {
namespace {

struct sampling_state {
  std::unique_ptr<sampling_policy> policy;
  histogram* timing = nullptr;
  static inline const char* name = "sampling";
};

sampling_actor::behavior_type sampling_impl(sampling_actor::stateful_pointer<sampling_state> self,
                                            pipeline_env env, batching_actor next) {
  auto& c = *env.cfg;
  self->state.policy =
      std::make_unique<sampling_policy>(c.agents, c.min_ai_interval_ms, c.critical_min_spacing_ms);
  self->state.timing = &stage_latency(*env.stats, "sampling");
  return {
      [=](assessed& m) {
        {
          round_timer timer{*self->state.timing, m.ws.size()};
          for (auto& w : m.ws) self->state.policy->decide(w);
        }
        self->send(next, sampled{std::move(m.ws)});
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
        restore_checkpoint(*self->state.policy, r, 2, "sampling");
        self->send(next, std::move(r));
      },
      [=](config_update& u) {
        self->state.policy->set_config(u.cfg->agents, u.cfg->min_ai_interval_ms,
                                       u.cfg->critical_min_spacing_ms);
        self->send(next, std::move(u));
      },
  };
}

}  // namespace

sampling_actor spawn_sampling(caf::actor_system& sys, const pipeline_env& env,
                              batching_actor next) {
  return sys.spawn(sampling_impl, env, next);
}

}  // namespace tickgate
