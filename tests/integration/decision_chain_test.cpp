// The decision stages as real CAF actors: ticks in, decisions out in stream order, and a live
// config change taking effect at exactly the point of the stream where it was sent.
#include <gtest/gtest.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/batching/batching_actor.hpp"
#include "actors/change/change_actor.hpp"
#include "actors/prioritise/prioritise_actor.hpp"
#include "actors/sampling/sampling_actor.hpp"
#include "actors/sink/decision_record.hpp"
#include "app/feeds/csv_feed.hpp"
#include "app/pipeline/pipeline.hpp"

#include <random>

using namespace tickgate;

namespace {

/// The sink's view: the records the stages encoded, decoded back (as `tickgate decisions` does).
struct collected {
  std::vector<decision_record> decisions;
};

sink_actor::behavior_type fake_sink(sink_actor::pointer, std::shared_ptr<collected> out,
                                    caf::actor listener) {
  return {
      [=](decision_rows& rows) {
        for_each_decision_block(rows, [&](std::string_view key, std::string_view value) {
          EXPECT_TRUE(for_each_decision_entry(key, value, [&](std::string_view k, std::string_view v) {
            decision_record r;
            EXPECT_TRUE(decode_decision_record(k, v, r));
            out->decisions.push_back(std::move(r));
          }));
        });
      },
      [=](request_outcome&) {},
      [=](checkpoint_mark&) {},
      [=](checkpoint_due&) {},
      [=](drained_atom, int32_t) { caf::anon_send(listener, done_atom::value); },
      [=](flush_atom) {},
  };
}

// CAF 0.17 dereferences a null shared_ptr<tuple<>> when a function-based actor is spawned with
// no arguments (UBSan reports it), so even a fake takes one.
cache_actor::behavior_type fake_cache(cache_actor::pointer, int) {
  return {[=](llm_request&) {}, [=](cache_store&) {}, [=](cache_invalidate&) {},
          [=](budget_level_changed&) {}, [=](flush_atom) {}};
}

std::shared_ptr<const config> default_config(std::vector<std::string> sets = {}) {
  return load_config(std::string(TICKGATE_SOURCE_DIR) + "/config/default.json", sets);
}

bool has_event(const tick_work& w, event_type t) {
  for (auto& e : w.events)
    if (e.type == static_cast<uint8_t>(t)) return true;
  return false;
}

/// One shard's four stages as real actors under the default config, into a sink that decodes
/// what it is sent: `feed(chain)` sends the input, then the chain is drained.
template <class Feed>
std::shared_ptr<collected> run_chain(bool recycle, Feed&& feed) {
  caf::actor_system_config sys_cfg;
  sys_cfg.set("scheduler.max-threads", 2);
  caf::actor_system sys{sys_cfg};
  stats_registry stats;
  pipeline_env env;
  env.cfg = default_config();
  env.stats = &stats;
  env.until_eof = true;
  auto out = std::make_shared<collected>();
  caf::scoped_actor self{sys};
  auto pool = recycle ? std::make_shared<tick_work_pool>() : nullptr;
  auto sink = sys.spawn(fake_sink, out, caf::actor_cast<caf::actor>(self));
  auto cache = sys.spawn(fake_cache, 0);
  auto batching = spawn_batching(sys, env, 0, cache, sink, pool);
  auto chain = spawn_prioritise(sys, env, spawn_change(sys, env, spawn_sampling(sys, env, batching)), pool);
  feed(chain);
  caf::anon_send(chain, drain_atom::value);
  self->receive([](done_atom) {});
  for (auto h : {caf::actor_cast<caf::actor>(chain), caf::actor_cast<caf::actor>(batching),
                 caf::actor_cast<caf::actor>(sink), caf::actor_cast<caf::actor>(cache)})
    caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
  return out;
}

}  // namespace

TEST(decision_chain, live_threshold_change_applies_in_stream_order) {
  const auto cfg = default_config();
  auto out = run_chain(false, [](prioritise_actor chain) {
    // Every tick moves the price +0.6%: a price_change at 0.5%, every other tick at 1.0%.
    double price = 100;
    int64_t ts = 1'700'000'000'000;
    auto send_ticks = [&](int n) {
      for (int i = 0; i < n; ++i) {
        tick t;
        t.symbol = "S";
        t.ts = ts += 10'000;
        t.price = price *= 1.006;
        t.partition = 0;
        t.offset = ts;
        caf::anon_send(chain, t);
      }
    };
    send_ticks(10);
    auto v2 = default_config({"events.price_change_pct=1.0", "config_version=2"});
    caf::anon_send(chain, config_update{v2});
    send_ticks(10);
  });
  ASSERT_EQ(out->decisions.size(), 20u);
  for (size_t i = 0; i < 20; ++i) {
    const auto& w = out->decisions[i].work;
    EXPECT_EQ(w.config_version, i < 10 ? 1u : 2u) << "tick " << i;
    EXPECT_EQ(w.verdicts.size(), cfg->agents.size());
    if (i >= 1 && i < 10) {
      EXPECT_TRUE(has_event(w, event_type::price_change)) << "tick " << i;
    }
  }
  // Under version 2 the anchor needs 1.0%: +0.6% then +1.2036% -> every other tick.
  int changes = 0;
  for (size_t i = 10; i < 20; ++i) changes += has_event(out->decisions[i].work, event_type::price_change);
  EXPECT_EQ(changes, 5);
}

namespace {
// The real trade session through one shard's chain in poll rounds of random sizes, with outside
// events between the ticks; the decision records as written, in order.
std::vector<std::string> chain_records(const std::vector<tick>& ticks, bool recycle) {
  auto out = run_chain(recycle, [&](prioritise_actor chain) {
    std::mt19937 rng(11);
    for (size_t at = 0; at < ticks.size();) {
      tick_batch b;
      const size_t n = std::min<size_t>(1 + rng() % 300, ticks.size() - at);
      for (size_t i = 0; i < n; ++i) {
        if (rng() % 50 == 0) {  // an outside event before this tick, with text of its own
          outside_event e;
          e.symbol = ticks[at + i].symbol;
          e.ts = ticks[at + i].ts;
          e.type = static_cast<uint8_t>(event_type::strategy_signal);
          e.prio = static_cast<uint8_t>(priority::high);
          e.value = 0.8;
          e.text = "desk signal number " + std::to_string(at + i) + " with a long headline";
          e.partition = 0;
          e.offset = static_cast<int64_t>(at + i);
          b.events.push_back(e);
          b.event_at.push_back(static_cast<uint32_t>(b.ticks.size()));
        }
        b.ticks.push_back(ticks[at + i]);
        b.ticks.back().partition = 0;
        b.ticks.back().offset = static_cast<int64_t>(at + i);
      }
      caf::anon_send(chain, std::move(b));
      at += n;
    }
  });
  std::vector<std::string> records;
  for (auto& r : out->decisions) records.push_back(encode_decision_record(r.work, 0));
  return records;
}
}  // namespace

TEST(decision_chain, recycled_rounds_decide_exactly_as_fresh_ones) {
  // A recycled round's elements still hold an earlier tick's events, verdicts and reasons:
  // nothing of them may leak into the tick written over them.
  const auto ticks = read_csv_ticks(std::string(TICKGATE_SOURCE_DIR) + "/data/sample/hf_multitrade_2014-09-17.csv",
                                    {"trades", "America/New_York", ""});
  ASSERT_GT(ticks.size(), 40'000u);
  const std::vector<tick> some(ticks.begin(), ticks.begin() + 20'000);
  const auto fresh = chain_records(some, false);
  const auto recycled = chain_records(some, true);
  EXPECT_GT(fresh.size(), some.size());  // the ticks and the outside events
  ASSERT_EQ(fresh.size(), recycled.size());
  for (size_t i = 0; i < fresh.size(); ++i) ASSERT_EQ(fresh[i], recycled[i]) << "record " << i;
}

TEST(pipeline_control, validates_records_and_broadcasts) {
  auto store = make_memory_store();
  pipeline_control control;
  std::vector<std::shared_ptr<const config>> sent;
  control.attach(default_config(), store.get(),
                 [&](std::shared_ptr<const config> c) { sent.push_back(c); });

  EXPECT_EQ(control.apply({"events.price_change_pct=0.8",
                           R"(agents.market_regime.strategy={"kind":"adaptive","interval_s":300})"}),
            2u);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0]->version, 2u);
  EXPECT_DOUBLE_EQ(sent[0]->events.price_change_pct, 0.8);
  EXPECT_EQ(sent[0]->agents[sent[0]->agent_index("market_regime")].strategy.kind,
            sampling_kind::adaptive);
  std::string rec;
  ASSERT_TRUE(store->get(column::state, "config_version/0000000002", rec));
  EXPECT_NE(rec.find("events.price_change_pct=0.8"), std::string::npos);

  // Not live-tunable, or invalid: rejected with the key named, nothing applied or recorded.
  try {
    control.apply({"kafka.group_id=\"other\""});
    FAIL();
  } catch (const config_error& e) {
    EXPECT_EQ(std::string(e.what()), "config: kafka.group_id: not live-tunable (restart to change it)");
  }
  EXPECT_THROW(control.apply({"events.price_change_pct=-3"}), config_error);
  EXPECT_THROW(control.apply({"agents.market_regime.strategy.kind=\"never\""}), config_error);
  EXPECT_EQ(sent.size(), 1u);
  EXPECT_EQ(control.current()->version, 2u);
  EXPECT_FALSE(store->get(column::state, "config_version/0000000003", rec));
  // Versions keep counting from the last applied one.
  EXPECT_EQ(control.apply({"batching.batch_size=3"}), 3u);
  EXPECT_EQ(sent.back()->batch_size, 3);
  EXPECT_DOUBLE_EQ(sent.back()->events.price_change_pct, 0.8);  // earlier change kept
}

TEST(pipeline_control, live_tunable_keys) {
  EXPECT_TRUE(live_tunable("events.price_change_pct"));
  EXPECT_TRUE(live_tunable("change.score_threshold"));
  EXPECT_TRUE(live_tunable("agents.market_regime.strategy.interval_s"));
  EXPECT_TRUE(live_tunable("agents.market_regime.weights"));
  EXPECT_FALSE(live_tunable("agents.market_regime.system_prompt"));
  EXPECT_FALSE(live_tunable("providers.openai.model"));
  EXPECT_FALSE(live_tunable("budget.daily_usd"));
}
