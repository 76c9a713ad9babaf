// The merge of a market.events partition into the same partition of market.ticks: hand-worked
// cases for each rule, and the property that matters for replays: however the two topics'
// records arrive in poll rounds, the output is the merge of both by event time.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "actors/ingest/event_merge.hpp"
#include "messages/market_event.hpp"

using namespace tickgate;

namespace {

tick tk(int64_t ts, int64_t offset) {
  tick t;
  t.symbol = "S";
  t.ts = ts;
  t.price = 1;
  t.partition = 0;
  t.offset = offset;
  return t;
}

outside_event ev(int64_t ts, int64_t offset) {
  outside_event e;
  e.symbol = "S";
  e.ts = ts;
  e.partition = 0;
  e.offset = offset;
  return e;
}

/// Releases partition 0 and returns what came out as "t<ts>" / "e<ts>".
std::vector<std::string> release(event_merge& m, int64_t wall, bool ticks_eof, bool flush) {
  std::vector<std::string> out;
  m.release(0, wall, ticks_eof, flush, [&](tick&& t) { out.push_back("t" + std::to_string(t.ts)); },
            [&](outside_event&& e) { out.push_back("e" + std::to_string(e.ts)); });
  return out;
}

using strings = std::vector<std::string>;

}  // namespace

TEST(event_merge, ticks_wait_until_the_events_partition_is_read_to_its_end) {
  event_merge m(1000);
  m.add_tick(0, tk(10, 0));
  m.add_tick(0, tk(20, 1));
  EXPECT_EQ(release(m, 0, false, false), strings{});  // an event before them may still come
  EXPECT_TRUE(m.waiting_for_events());
  m.add_event(0, ev(15, 0), 0);
  // Event 15 is here: tick 10 goes, then the event; tick 20 waits for what follows event 15.
  EXPECT_EQ(release(m, 0, false, false), (strings{"t10", "e15"}));
  m.events_caught_up(0, true);
  EXPECT_EQ(release(m, 0, false, false), strings{"t20"});
  EXPECT_EQ(m.held(), 0u);
}

TEST(event_merge, an_event_goes_before_the_first_tick_at_or_after_its_time) {
  event_merge m(1000);
  m.events_caught_up(0, true);
  for (int64_t ts : {10, 20, 30}) m.add_tick(0, tk(ts, ts));
  m.add_event(0, ev(25, 1), 0);
  m.add_event(0, ev(20, 0), 0);  // out of order in the topic: kept in time order
  m.add_event(0, ev(30, 2), 0);
  EXPECT_EQ(release(m, 0, false, false), (strings{"t10", "e20", "t20", "e25", "e30", "t30"}));
}

TEST(event_merge, a_late_event_goes_at_once) {
  event_merge m(1000);
  m.events_caught_up(0, true);
  m.add_tick(0, tk(100, 0));
  EXPECT_EQ(release(m, 0, false, false), strings{"t100"});
  m.add_event(0, ev(50, 0), 0);  // older than what was released
  EXPECT_EQ(release(m, 0, false, false), strings{"e50"});
}

TEST(event_merge, an_event_ahead_of_every_tick_waits_for_them_or_max_wait_of_a_caught_up_market) {
  event_merge m(1000);
  m.events_caught_up(0, true);
  m.add_tick(0, tk(100, 0));
  EXPECT_EQ(release(m, 0, false, false), strings{"t100"});
  m.add_event(0, ev(200, 0), 5'000);
  EXPECT_EQ(release(m, 5'999, true, false), strings{});   // caught up, waited 999 ms
  EXPECT_EQ(release(m, 9'000, false, false), strings{});  // ticks behind (not at their end): wait
  m.add_tick(0, tk(150, 1));
  EXPECT_EQ(release(m, 9'000, false, false), strings{"t150"});
  m.add_tick(0, tk(200, 2));
  EXPECT_EQ(release(m, 9'000, false, false), (strings{"e200", "t200"}));  // passed by a tick
  m.add_event(0, ev(300, 1), 10'000);
  EXPECT_EQ(release(m, 11'000, true, false), strings{"e300"});  // a quiet market: max_wait
  m.add_event(0, ev(400, 2), 20'000);
  EXPECT_EQ(release(m, 20'000, false, true), strings{"e400"});  // the input ends: all goes
}

TEST(event_merge, partitions_are_independent_and_drop_forgets_one) {
  event_merge m(1000);
  auto t1 = tk(10, 0);
  t1.partition = 1;
  m.add_tick(0, tk(10, 0));
  m.add_tick(1, t1);
  m.events_caught_up(1, true);
  std::vector<int32_t> seen;
  const std::set<int32_t> eof;
  m.release_all(0, eof, false, [&](tick&& t) { seen.push_back(t.partition); }, [](outside_event&&) {});
  EXPECT_EQ(seen, std::vector<int32_t>{1});  // partition 0 still waits for its events
  m.drop(0);
  EXPECT_EQ(m.held(), 0u);
  EXPECT_FALSE(m.waiting_for_events());
}

// A replay: both topics hold everything before the run. However the records arrive in rounds
// (ticks and events read at different paces), the output is the same: the merge by event time
// (an event before a tick of the same time), each topic's own order kept.
TEST(event_merge, any_arrival_order_of_a_replay_gives_the_merge_by_event_time) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<tick> ticks;
    std::vector<outside_event> events;
    int64_t ts = 0;
    const int n_ticks = std::uniform_int_distribution<int>(0, 60)(rng);
    const int n_events = std::uniform_int_distribution<int>(0, 12)(rng);
    for (int i = 0; i < n_ticks; ++i) {
      ts += std::uniform_int_distribution<int>(0, 3)(rng);  // repeated times too
      ticks.push_back(tk(ts, i));
    }
    for (int i = 0; i < n_events; ++i) events.push_back(ev(std::uniform_int_distribution<int64_t>(0, ts + 3)(rng), i));
    std::stable_sort(events.begin(), events.end(), [](auto& a, auto& b) { return a.ts < b.ts; });
    // Expected, computed directly: walk both lists.
    strings expected;
    size_t i = 0, j = 0;
    while (i < ticks.size() || j < events.size()) {
      if (j < events.size() && (i == ticks.size() || events[j].ts <= ticks[i].ts))
        expected.push_back("e" + std::to_string(events[j++].ts));
      else
        expected.push_back("t" + std::to_string(ticks[i++].ts));
    }
    // Arrival in random rounds.
    event_merge m(1000);
    strings got;
    size_t ti = 0, ei = 0;
    while (ti < ticks.size() || ei < events.size()) {
      const int take_t = std::uniform_int_distribution<int>(0, 8)(rng);
      const int take_e = std::uniform_int_distribution<int>(0, 3)(rng);
      for (int k = 0; k < take_t && ti < ticks.size(); ++k) m.add_tick(0, ticks[ti++]);
      for (int k = 0; k < take_e && ei < events.size(); ++k) {
        m.add_event(0, events[ei++], 0);
        m.events_caught_up(0, false);
      }
      if (ei == events.size()) m.events_caught_up(0, true);  // read to the end: EOF
      // Wall time far past max_wait: only the ticks' own end lets an event ahead of them go.
      auto out = release(m, 1'000'000, ti == ticks.size(), false);
      got.insert(got.end(), out.begin(), out.end());
    }
    auto rest = release(m, 1'000'000, true, true);
    got.insert(got.end(), rest.begin(), rest.end());
    ASSERT_EQ(got, expected) << "trial " << trial;
  }
}

TEST(event_merge, ticks_wait_for_each_side_input_and_a_request_waits_for_no_tick_at_the_end) {
  using k = input_kind;
  event_merge m(1000, static_cast<uint8_t>(event_merge::side_bit(k::events) | event_merge::side_bit(k::requests)));
  auto request = [](int64_t ts, int64_t offset) {
    auto e = ev(ts, offset);
    e.type = static_cast<uint8_t>(event_type::on_demand);
    return e;
  };
  m.add_tick(0, tk(10, 0));
  m.add_tick(0, tk(20, 1));
  m.caught_up(0, k::events, true);
  // The events are read to their end, the requests not: a request before tick 10 may come.
  EXPECT_EQ(release(m, 0, false, false), strings{});
  EXPECT_TRUE(m.waiting_for(k::requests));
  EXPECT_FALSE(m.waiting_for(k::events));
  m.add_event(0, request(15, 0), 0, 0);
  // A later request is here: tick 10 goes, the request at its time, tick 20 waits again.
  EXPECT_EQ(release(m, 0, false, false), (strings{"t10", "e15"}));
  // An event arrives on market.events: that side is not caught up until read to its end again.
  m.caught_up(0, k::events, false);
  m.add_event(0, ev(30, 0), 0);
  m.caught_up(0, k::requests, true);
  EXPECT_EQ(release(m, 0, false, false), strings{"t20"});  // both sides have spoken for 20
  // A request ahead of every tick: wait 0, it goes as soon as the ticks are at their end, but
  // not before event 30 ahead of it.
  m.add_event(0, request(40, 1), 0, 0);
  EXPECT_EQ(release(m, 0, false, false), strings{});
  EXPECT_EQ(release(m, 500, true, false), strings{});           // event 30 waits 1000 ms
  EXPECT_EQ(release(m, 1000, true, false), (strings{"e30", "e40"}));
  EXPECT_EQ(m.held(), 0u);
}
