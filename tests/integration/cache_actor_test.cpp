// The cache actor with real message flow: memory and RocksDB levels, the answering model in
// the key, invalidation by symbol, HIGH and CRITICAL events never answered from it.
#include <gtest/gtest.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <filesystem>

#include "actors/cache/cache_actor.hpp"
#include "actors/cache/state_key.hpp"
#include "integration/test_support.hpp"

using namespace tickgate;

namespace {

using got_atom = caf::atom_constant<caf::atom("got")>;

gateway_actor::behavior_type fake_budget(gateway_actor::pointer, caf::actor listener) {
  return {[=](cache_miss& m) { caf::anon_send(listener, got_atom::value, std::string("miss"), m.req.request_id); },
          [=](attempt_done&) {}, [=](pump_atom) {}, [=](lease_atom, std::string&) {}};
}

sink_actor::behavior_type fake_sink(sink_actor::pointer, caf::actor listener) {
  return {
      [=](decision_rows&) {},
      [=](request_outcome& o) {
        caf::anon_send(listener, got_atom::value, o.source + ":" + o.model, o.request_id);
      },
      [=](checkpoint_mark&) {},
      [=](checkpoint_due&) {},
      [=](drained_atom, int32_t) {},
      [=](flush_atom) {},
  };
}

request_item item(const std::string& symbol, int64_t ts) {
  request_item it;
  it.symbol = symbol;
  it.ts = ts;
  it.fingerprint = "p0.1:1|v2";  // the quantised state
  return it;
}

llm_request request(const std::string& id, int64_t ts, std::vector<std::string> symbols = {"ETF"}) {
  llm_request r;
  r.request_id = id;
  r.agent = 0;
  for (auto& s : symbols) r.items.push_back(item(s, ts));
  return r;
}

/// The sink's word on one item of a request that missed: its answer (or none: empty results).
cache_store answer(const config& cfg, const std::string& symbol, int64_t ts, const std::string& model,
                   const std::string& results = R"([{"a":1}])") {
  return cache_store{item_cache_key(cfg, 0, item(symbol, ts)), 0, "openai", model, results, ts, 5, 0, {symbol}};
}

struct cache_fixture {
  explicit cache_fixture(const std::string& name)
      : dir(tickgate::testing::temp_dir(name)), store(open_rocksdb_store(dir + "/db", false)) {
    env.cfg = load_config(std::string(TICKGATE_SOURCE_DIR) + "/config/default.json",
                          {"routing.provider=\"openai\""});
    env.stats = &stats;
    env.store = store.get();
    env.providers = {"openai"};
    env.agent_models.assign(env.cfg->agents.size(), "gpt-4o-mini");  // routing prefers it
  }
  ~cache_fixture() {
    caf::anon_send_exit(budget, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(sink, caf::exit_reason::user_shutdown);
  }
  /// The next thing the fakes saw: a miss at the gateway, or an outcome at the sink.
  void expect(const std::string& what, const std::string& id) {
    self->receive([&](got_atom, const std::string& w, const std::string& i) {
      EXPECT_EQ(w, what);
      EXPECT_EQ(i, id);
    });
  }
  static caf::actor_system_config& two_threads(caf::actor_system_config& c) {
    c.set("scheduler.max-threads", 2);
    return c;
  }
  std::string dir;
  std::unique_ptr<kv_store> store;
  stats_registry stats;
  pipeline_env env;
  caf::actor_system_config sys_cfg;
  caf::actor_system sys{two_threads(sys_cfg)};
  caf::scoped_actor self{sys};
  gateway_actor budget = sys.spawn(fake_budget, caf::actor_cast<caf::actor>(self));
  sink_actor sink = sys.spawn(fake_sink, caf::actor_cast<caf::actor>(self));
};

}  // namespace

TEST(cache_actor, memory_then_rocksdb_level_model_in_key_and_invalidation) {
  cache_fixture fx("cache_actor");
  auto& env = fx.env;
  auto& stats = fx.stats;
  const auto& cfg = *env.cfg;
  auto& self = fx.self;
  auto& sys = fx.sys;
  auto budget = fx.budget;
  auto sink = fx.sink;
  auto expect = [&](const std::string& what, const std::string& id) { fx.expect(what, id); };
  const int64_t t0 = 1'700'000'000'000;
  const auto ttl = env.cfg->cache_ttl_ms.at(env.cfg->agents[0].response_type);
  {
    auto cache = spawn_cache(sys, env, budget, sink);
    self->send(cache, request("r1", t0));
    expect("miss", "r1");
    // An answer by another model is not served for this one.
    self->send(cache, answer(cfg, "ETF", t0, "deepseek-chat"));
    self->send(cache, request("r2", t0 + 1));
    expect("miss", "r2");
    self->send(cache, answer(cfg, "ETF", t0, "gpt-4o-mini"));
    self->send(cache, request("r3", t0 + ttl));  // exactly at the TTL: still fresh
    expect("cache:gpt-4o-mini", "r3");
    caf::anon_send_exit(cache, caf::exit_reason::user_shutdown);
  }
  {
    // A new cache (empty memory) on the same store: served from RocksDB.
    auto cache = spawn_cache(sys, env, budget, sink);
    self->send(cache, request("r4", t0 + 10));
    expect("cache:gpt-4o-mini", "r4");
    self->send(cache, request("r5", t0 + ttl + 1));  // past the TTL on event time
    expect("miss", "r5");
    self->send(cache, answer(cfg, "ETF", t0 + ttl + 1, "gpt-4o-mini", ""));  // r5 ended unanswered
    self->send(cache, request("r6", t0 + 20));
    expect("cache:gpt-4o-mini", "r6");
    auto urgent = request("r6u", t0 + 21);  // a HIGH event on the same state: never from the cache
    urgent.prio = static_cast<uint8_t>(priority::high);
    self->send(cache, urgent);
    expect("miss", "r6u");
    self->send(cache, answer(cfg, "ETF", t0 + 21, "gpt-4o-mini", ""));  // r6u ended unanswered
    self->send(cache, cache_invalidate{"", "ETF"});  // e.g. earnings
    self->send(cache, request("r7", t0 + 30));
    expect("miss", "r7");
    caf::anon_send_exit(cache, caf::exit_reason::user_shutdown);
  }
  // r4, and r6 again because r5's expiry dropped the memory copy.
  EXPECT_EQ(stats.value("tickgate_cache_lookups_total", "result=\"hit\",level=\"rocksdb\""), 2u);
  EXPECT_EQ(stats.value("tickgate_cache_lookups_total", "result=\"hit\",level=\"memory\""), 1u);
  EXPECT_EQ(stats.value("tickgate_cache_lookups_total", "result=\"bypass\""), 1u);
}

TEST(cache_actor, waits_for_an_answer_in_flight_and_serves_batches_item_by_item) {
  cache_fixture fx("cache_single_flight");
  const auto& cfg = *fx.env.cfg;
  auto& self = fx.self;
  auto& sys = fx.sys;
  auto budget = fx.budget;
  auto sink = fx.sink;
  auto expect = [&](const std::string& what, const std::string& id) { fx.expect(what, id); };
  const int64_t t0 = 1'700'000'000'000;
  auto cache = spawn_cache(sys, fx.env, budget, sink);
  self->send(cache, request("r1", t0, {"A"}));
  expect("miss", "r1");
  self->send(cache, request("r2", t0 + 5, {"A"}));  // A's answer is in flight: r2 waits for it
  self->send(cache, answer(cfg, "A", t0, "gpt-4o-mini"));
  expect("cache:gpt-4o-mini", "r2");  // one call for both
  self->send(cache, request("r3", t0 + 6, {"A", "B"}));  // B unknown: the batch calls
  expect("miss", "r3");
  self->send(cache, answer(cfg, "A", t0 + 6, "gpt-4o-mini"));
  self->send(cache, answer(cfg, "B", t0 + 6, "gpt-4o-mini"));
  self->send(cache, request("r4", t0 + 7, {"B", "A"}));  // every item known: served
  expect("cache:gpt-4o-mini", "r4");
  // An answer that never came (shed, failed): the waiting request calls after all.
  self->send(cache, request("r5", t0 + 8, {"C"}));
  expect("miss", "r5");
  self->send(cache, request("r6", t0 + 9, {"C"}));
  self->send(cache, answer(cfg, "C", t0 + 8, "gpt-4o-mini", ""));
  expect("miss", "r6");
  EXPECT_EQ(fx.stats.total("tickgate_cache_coalesced_total"), 2u);
  caf::anon_send_exit(cache, caf::exit_reason::user_shutdown);
}
