#include "actors/budget/budget_actor.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/budget/budget_policy.hpp"
#include "actors/llm/caller_actor.hpp"
#include "actors/llm/outcome.hpp"
#include "actors/llm/prompt.hpp"

namespace tickgate {
namespace {

struct budget_state {
  std::unique_ptr<budget_policy> policy;
  std::vector<caller_actor> callers;
  size_t next = 0;
  counter* granted_n = nullptr;
  counter* denied = nullptr;
  gauge* in_flight = nullptr;
  gauge* spent_today = nullptr;
  static inline const char* name = "budget";
};

budget_actor::behavior_type budget_impl(budget_actor::stateful_pointer<budget_state> self,
                                        pipeline_env env, sink_actor sink) {
  auto cfg = env.cfg;
  auto& st = self->state;
  st.policy = std::make_unique<budget_policy>(cfg->daily_budget, cfg->monthly_budget);
  st.granted_n = &env.stats->add_counter("tickgate_budget_decisions_total", "result=\"granted\"",
                                         "Budget reservations");
  st.denied = &env.stats->add_counter("tickgate_budget_decisions_total", "result=\"denied\"",
                                      "Budget reservations");
  st.in_flight = &env.stats->add_gauge("tickgate_budget_reserved_picousd", "",
                                       "Worst-case cost reserved by calls in flight");
  st.spent_today = &env.stats->add_gauge("tickgate_budget_spent_today_picousd", "",
                                         "Settled spend in the current day");
  auto me = caf::actor_cast<budget_actor>(self);
  for (int i = 0; i < cfg->callers; ++i) {
    st.callers.push_back(spawn_caller(self->system(), env, me, sink));
    self->link_to(st.callers.back());  // the pool lives and dies with its owner
  }
  const bool event_clock = env.until_eof;
  auto now_of = [event_clock](const llm_request& r) {
    if (!event_clock) return now_wall_ms();
    int64_t ts = 0;
    for (auto& it : r.items) ts = std::max(ts, it.ts);
    return ts;
  };
  return {
      [=](cache_miss& m) {
        auto& st = self->state;
        auto& req = m.req;
        const auto& agent = cfg->agents.at(req.agent);
        req.provider = agent.provider.empty() ? env.provider : agent.provider;
        const auto& prov = cfg->providers.at(req.provider);
        req.prompt = user_prompt(agent, req);
        if (prov.kind != "rules") {
          req.model = prov.model;
          const auto& price = cfg->prices.at(prov.model);
          picousd worst = worst_case_cost(
              static_cast<int64_t>(agent.system_prompt.size() + req.prompt.size()), 2,
              agent.max_tokens, price.input, price.cache_write, price.output);
          if (!st.policy->try_reserve(worst, now_of(req))) {
            st.denied->inc();
            self->send(sink, rules_outcome(*cfg, req, "budget_exhausted"));
            return;
          }
          req.reserved = worst;
          st.in_flight->set(st.policy->in_flight());
        }
        st.granted_n->inc();
        auto& caller = st.callers[st.next++ % st.callers.size()];
        self->send(caller, granted{std::move(req)});
      },
      [=](settle& s) {
        auto& st = self->state;
        st.policy->settle(s.reserved, s.actual);
        st.in_flight->set(st.policy->in_flight());
        st.spent_today->set(st.policy->spent_today());
      },
  };
}

}  // namespace

budget_actor spawn_budget(caf::actor_system& sys, const pipeline_env& env, sink_actor sink) {
  return sys.spawn(budget_impl, env, sink);
}

}  // namespace tickgate
