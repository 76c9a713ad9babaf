// Checkpoints of the decision stages' per-symbol state, and the changelog book: a state saved
// mid-stream and loaded into fresh policies must decide the rest of the stream exactly as the
// policies that never stopped; the book writes each partition's newest durable cut.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "actors/change/change_policy.hpp"
#include "actors/prioritise/prioritise_policy.hpp"
#include "actors/sampling/sampling_policy.hpp"
#include "actors/sink/changelog_book.hpp"
#include "app/feeds/csv_feed.hpp"
#include "common/state_codec.hpp"
#include "config/config.hpp"
#include "messages/verdict_reason.hpp"

using namespace tickgate;

namespace {

std::shared_ptr<const config> default_config() {
  return load_config(std::string(TICKGATE_SOURCE_DIR) + "/config/default.json", {});
}

/// prioritise -> change -> sampling, as the shard's actors chain them.
struct chain {
  explicit chain(const config& c)
      : cfg(c), prio(c.events), change(c.change, c.agents),
        sampling(c.agents, c.min_ai_interval_ms, c.critical_min_spacing_ms) {}
  /// The tick's decision per agent, as "action reason".
  std::vector<std::string> decide(tick t) {
    tick_work w;
    prio.assess(t, w.snap, w.events);
    w.t = std::move(t);
    initial_verdicts(cfg.agents, w);
    change.assess(w);
    sampling.decide(w);
    std::vector<std::string> out;
    for (auto& v : w.verdicts) out.push_back(std::string(to_string(static_cast<action>(v.act))) + " " + reason_text(v));
    return out;
  }
  std::string save(const std::string& symbol) const {
    std::string blob;
    append_section(blob, prio.save(symbol));
    append_section(blob, change.save(symbol));
    append_section(blob, sampling.save(symbol));
    return blob;
  }
  void load(const std::string& symbol, const std::string& blob) {
    prio.load(symbol, section_at(blob, 0));
    change.load(symbol, section_at(blob, 1));
    sampling.load(symbol, section_at(blob, 2));
  }
  const config& cfg;
  prioritise_policy prio;
  change_policy change;
  sampling_policy sampling;
};

std::vector<tick> session() {
  return read_csv_ticks(std::string(TICKGATE_SOURCE_DIR) + "/data/sample/hf_multitrade_2014-09-17.csv",
                        {"trades", "America/New_York", ""});
}

}  // namespace

TEST(state_checkpoint, restored_policies_decide_the_rest_exactly_as_uninterrupted_ones) {
  auto cfg = default_config();
  const auto ticks = session();
  ASSERT_GT(ticks.size(), 1000u);
  std::set<std::string> symbols;
  for (auto& t : ticks) symbols.insert(t.symbol);
  // Several cut points: early (indicators warming up), middle, late.
  for (size_t cut : {ticks.size() / 10, ticks.size() / 2, ticks.size() * 9 / 10}) {
    chain whole(*cfg), before(*cfg), after(*cfg);
    size_t calls = 0;
    for (size_t i = 0; i < cut; ++i) {
      whole.decide(ticks[i]);
      before.decide(ticks[i]);
    }
    for (auto& s : symbols) after.load(s, before.save(s));
    for (size_t i = cut; i < ticks.size(); ++i) {
      const auto a = whole.decide(ticks[i]);
      const auto b = after.decide(ticks[i]);
      ASSERT_EQ(a, b) << "tick " << i << " after a cut at " << cut;
      for (auto& d : a) calls += d.rfind("call", 0) == 0;
    }
    EXPECT_GT(calls, 0u) << "the rest of the stream makes calls: the comparison can fail";
  }
  // A cold start in the middle decides differently: state matters, the comparison can fail.
  chain whole(*cfg), cold(*cfg);
  const size_t mid = ticks.size() / 2;
  for (size_t i = 0; i < mid; ++i) whole.decide(ticks[i]);
  size_t differ = 0;
  for (size_t i = mid; i < ticks.size(); ++i) differ += whole.decide(ticks[i]) != cold.decide(ticks[i]);
  EXPECT_GT(differ, 0u);
}

TEST(state_checkpoint, saving_what_was_loaded_gives_the_same_bytes) {
  auto cfg = default_config();
  const auto ticks = session();
  chain a(*cfg), b(*cfg);
  for (size_t i = 0; i < ticks.size() / 3; ++i) a.decide(ticks[i]);
  const auto& sym = ticks.front().symbol;
  const auto blob = a.save(sym);
  ASSERT_GT(blob.size(), 100u);
  b.load(sym, blob);
  EXPECT_EQ(b.save(sym), blob);
  EXPECT_EQ(a.save("NO-SUCH-SYMBOL"), chain(*cfg).save("NO-SUCH-SYMBOL"));
}

TEST(state_checkpoint, a_damaged_record_is_refused_not_half_loaded) {
  auto cfg = default_config();
  const auto ticks = session();
  chain a(*cfg);
  for (size_t i = 0; i < 500; ++i) a.decide(ticks[i]);
  const auto& sym = ticks.front().symbol;
  const std::string prio = a.prio.save(sym);
  // Every truncation of a prioritise record is refused.
  for (size_t n = 0; n + 1 < prio.size(); n += 7) {
    prioritise_policy p(cfg->events);
    if (n == 0) continue;  // empty = no state, by contract
    EXPECT_THROW(p.load(sym, std::string_view(prio).substr(0, n)), state_decode_error) << n;
  }
  // A record from a configuration with other agents is refused by change and sampling.
  auto fewer = cfg->agents;
  fewer.pop_back();
  change_policy c(cfg->change, fewer);
  EXPECT_THROW(c.load(sym, a.change.save(sym)), state_decode_error);
  sampling_policy s(fewer, cfg->min_ai_interval_ms, cfg->critical_min_spacing_ms);
  EXPECT_THROW(s.load(sym, a.sampling.save(sym)), state_decode_error);
  // A huge count cannot make the reader allocate: it is bounded by the bytes left.
  state_writer w;
  w.u8(1);
  w.i64(int64_t{1} << 60);
  EXPECT_THROW(c.load(sym, w.bytes()), state_decode_error);
}

TEST(changelog_book, writes_the_newest_durable_cut_with_each_symbols_newest_state_up_to_it) {
  changelog_book book("g");
  book.add_cut(0, 1, 10);
  book.add_state(0, 1, "A", "a1");
  book.add_cut(0, 2, 20);
  book.add_state(0, 2, "B", "b2");
  book.add_cut(0, 3, 30);
  book.add_state(0, 3, "A", "a3");
  EXPECT_EQ(book.take_due(0, 9).position, -1);  // nothing durable yet
  EXPECT_EQ(book.take_due(1, 100).position, -1);  // another partition
  auto cut = book.take_due(0, 25);  // cuts 1 and 2 are durable; 3 is not
  ASSERT_EQ(cut.position, 20);
  ASSERT_EQ(cut.records.size(), 3u);
  EXPECT_EQ(cut.records[0].key, changelog_position_key("g"));
  EXPECT_EQ(cut.records[1].key, changelog_symbol_key("g", "A"));
  EXPECT_EQ(cut.records[1].value, "a1");
  EXPECT_EQ(cut.records[2].value, "b2");
  EXPECT_EQ(book.waiting_states(), 1u);
  auto next = book.take_due(0, 30);
  ASSERT_EQ(next.position, 30);
  ASSERT_EQ(next.records.size(), 2u);
  EXPECT_EQ(next.records[1].value, "a3");
  EXPECT_EQ(book.take_due(0, 30).position, -1);  // taken once

  // Read back in log order, with another group's records in the same partition.
  restored_partition r;
  for (auto* c : {&cut, &next})
    for (auto& rec : c->records) EXPECT_TRUE(fold_changelog(r, "g", rec.key, rec.value));
  EXPECT_FALSE(fold_changelog(r, "g", changelog_symbol_key("other", "A"), "x"));
  EXPECT_FALSE(fold_changelog(r, "g", changelog_symbol_key("gg", "A"), "x"));
  EXPECT_EQ(r.position, 30);
  EXPECT_EQ(r.states, (std::map<std::string, std::string>{{"A", "a3"}, {"B", "b2"}}));
  EXPECT_EQ(r.missing, 0);
}

TEST(changelog_book, a_cut_cut_short_by_a_crash_is_reported) {
  changelog_book book("g");
  book.add_cut(2, 1, 5);
  book.add_state(2, 1, "A", "a");
  book.add_state(2, 1, "B", "b");
  auto cut = book.take_due(2, 5);
  ASSERT_EQ(cut.records.size(), 3u);
  restored_partition r;
  fold_changelog(r, "g", cut.records[0].key, cut.records[0].value);
  fold_changelog(r, "g", cut.records[1].key, cut.records[1].value);  // the writer died here
  EXPECT_EQ(r.position, 5);
  EXPECT_EQ(r.missing, 1);
  // A dropped partition forgets its cuts.
  book.add_cut(2, 2, 9);
  book.drop(2);
  EXPECT_EQ(book.take_due(2, 100).position, -1);
}

TEST(changelog_book, a_dropped_symbol_becomes_a_tombstone_and_leaves_the_restore) {
  changelog_book book("g");
  book.add_cut(0, 1, 100);
  book.add_state(0, 1, "A", "state-a");
  book.add_state(0, 1, "B", "state-b");
  auto first = book.take_due(0, 100);
  book.add_cut(0, 2, 200);
  book.add_state(0, 2, "B", {});  // dropped as idle
  auto second = book.take_due(0, 200);
  ASSERT_EQ(second.records.size(), 2u);  // position, B's tombstone
  EXPECT_EQ(second.records[1].key, changelog_symbol_key("g", "B"));
  EXPECT_TRUE(second.records[1].tombstone);
  restored_partition r;
  for (auto* c : {&first, &second})
    for (auto& rec : c->records) EXPECT_TRUE(fold_changelog(r, "g", rec.key, rec.tombstone ? "" : rec.value));
  ASSERT_EQ(r.states.size(), 1u);
  EXPECT_EQ(r.states.at("A"), "state-a");
  EXPECT_EQ(r.position, 200);
}
