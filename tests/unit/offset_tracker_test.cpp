#include <gtest/gtest.h>

#include <map>

#include <algorithm>
#include <random>

#include "actors/ingest/offset_tracker.hpp"

using namespace tickgate;

TEST(offset_tracker, commits_only_the_contiguous_done_prefix) {
  offset_tracker t;
  for (int64_t o = 10; o < 15; ++o) t.polled(0, o);
  t.accounted(0, 11, 0);  // 11 done but 10 is not: nothing to commit yet
  EXPECT_TRUE(t.take_commits().empty() || t.commit_point(0) == 10);
  t.accounted(0, 10, 0);
  auto c = t.take_commits();
  ASSERT_EQ(c.count(0), 1u);
  EXPECT_EQ(c[0], 12);  // next offset to read
  EXPECT_TRUE(t.take_commits().empty());  // unchanged: nothing new
}

TEST(offset_tracker, waits_for_every_outstanding_request) {
  offset_tracker t;
  t.polled(3, 0);
  t.polled(3, 1);
  EXPECT_EQ(t.unaccounted(), 2u);
  t.accounted(3, 0, 2);
  t.accounted(3, 1, 0);
  // Both decided: no work left in the pipeline, but nothing committable before the answers.
  EXPECT_EQ(t.unaccounted(), 0u);
  EXPECT_EQ(t.in_flight(), 2u);
  EXPECT_EQ(t.commit_point(3), 0);
  t.settled(3, 0);
  EXPECT_EQ(t.commit_point(3), 0);
  t.settled(3, 0);
  EXPECT_EQ(t.commit_point(3), 2);
  EXPECT_EQ(t.in_flight(), 0u);
}

TEST(offset_tracker, settlement_may_arrive_before_accounting) {
  offset_tracker t;
  t.polled(1, 5);
  t.settled(1, 5);  // the request raced ahead of the decision batch
  EXPECT_EQ(t.commit_point(1), 5);
  t.accounted(1, 5, 1);
  EXPECT_EQ(t.commit_point(1), 6);
}

TEST(offset_tracker, property_random_completion_order_never_skips) {
  std::mt19937 rng(7);
  for (int round = 0; round < 50; ++round) {
    offset_tracker t;
    std::vector<int64_t> offsets(200);
    for (int64_t i = 0; i < 200; ++i) {
      offsets[static_cast<size_t>(i)] = i;
      t.polled(0, i);
    }
    std::shuffle(offsets.begin(), offsets.end(), rng);
    std::vector<bool> done(200, false);
    for (auto o : offsets) {
      t.accounted(0, o, 0);
      done[static_cast<size_t>(o)] = true;
      int64_t expect = 0;
      while (expect < 200 && done[static_cast<size_t>(expect)]) ++expect;
      ASSERT_EQ(t.commit_point(0), expect);
    }
  }
}

namespace {
// The rule, plainly: an ordered map of open records per partition; the commit point is the
// first record not done (accounted and every request settled).
struct reference_tracker {
  struct slot {
    bool accounted = false;
    int pending = 0;
  };
  std::map<int64_t, slot> open;
  int64_t next = -1;
  void polled(int64_t o) {
    open.emplace(o, slot{});
    if (next < 0 || o < next) next = o;
  }
  void advance() {
    while (!open.empty() && open.begin()->second.accounted && open.begin()->second.pending <= 0) {
      next = open.begin()->first + 1;
      open.erase(open.begin());
    }
    if (!open.empty()) next = open.begin()->first;
  }
  void accounted(int64_t o, int outstanding) {
    auto it = open.find(o);
    if (it == open.end()) return;
    it->second.accounted = true;
    it->second.pending += outstanding;
    advance();
  }
  void settled(int64_t o) {
    auto it = open.find(o);
    if (it == open.end()) return;
    it->second.pending -= 1;
    advance();
  }
};
}  // namespace

TEST(offset_tracker, property_matches_the_plain_rule_with_gaps_repolls_and_settlements) {
  std::mt19937 rng(13);
  for (int round = 0; round < 200; ++round) {
    offset_tracker t;
    reference_tracker ref;
    int64_t head = static_cast<int64_t>(rng() % 1000);
    std::vector<int64_t> seen;
    for (int step = 0; step < 400; ++step) {
      const auto op = rng() % 10;
      if (op < 4 || seen.empty()) {  // the next record, now and then past a gap (compaction)
        head += 1 + (rng() % 5 == 0 ? static_cast<int64_t>(rng() % 4) : 0);
        t.polled(3, head);
        ref.polled(head);
        seen.push_back(head);
      } else if (op == 4) {  // a record polled again (a seek back), open or done
        const auto o = seen[rng() % seen.size()];
        t.polled(3, o);
        ref.polled(o);
      } else {
        const auto o = seen[rng() % seen.size()];
        if (op < 8) {
          const int outstanding = static_cast<int>(rng() % 3);
          t.accounted(3, o, outstanding);
          ref.accounted(o, outstanding);
        } else {
          t.settled(3, o);
          ref.settled(o);
        }
      }
      ASSERT_EQ(t.commit_point(3), ref.next) << "round " << round << " step " << step;
      ASSERT_EQ(t.in_flight(3), ref.open.size()) << "round " << round << " step " << step;
      const auto unaccounted = std::count_if(ref.open.begin(), ref.open.end(),
                                             [](const auto& kv) { return !kv.second.accounted; });
      ASSERT_EQ(t.unaccounted(), static_cast<size_t>(unaccounted)) << "round " << round << " step " << step;
      const auto ends = t.polled_ends();
      ASSERT_EQ(ends.at(3), ref.open.empty() ? ref.next : ref.open.rbegin()->first + 1);
    }
  }
}

TEST(offset_tracker, dropped_partition_forgets_state) {
  offset_tracker t;
  t.polled(2, 0);
  t.drop(2);
  t.settled(2, 0);  // late settlement of a revoked partition is ignored
  EXPECT_EQ(t.in_flight(), 0u);
  EXPECT_EQ(t.commit_point(2), -1);
}

TEST(offset_tracker, a_failed_commit_is_taken_again) {
  offset_tracker t;
  t.polled(2, 7);
  t.accounted(2, 7, 0);
  auto c = t.take_commits();
  ASSERT_EQ(c.at(2), 8);
  t.commit_failed(c);  // e.g. "rebalance in progress": the offset must not be lost
  auto again = t.take_commits();
  ASSERT_EQ(again.count(2), 1u);
  EXPECT_EQ(again[2], 8);
  EXPECT_TRUE(t.take_commits().empty());
}

TEST(offset_tracker, per_partition_in_flight_and_late_messages_after_a_revocation) {
  offset_tracker t;
  t.polled(0, 1);
  t.polled(1, 4);
  t.polled(1, 5);
  EXPECT_EQ(t.in_flight(0), 1u);
  EXPECT_EQ(t.in_flight(1), 2u);
  t.accounted(1, 5, 0);
  EXPECT_EQ(t.unaccounted(), 2u);  // 0:1 and 1:4
  t.drop(1);
  EXPECT_EQ(t.unaccounted(), 1u);
  // Accounting and settlements of a partition this owner gave up change nothing.
  t.accounted(1, 4, 0);
  t.settled(1, 5);
  EXPECT_EQ(t.in_flight(1), 0u);
  EXPECT_EQ(t.in_flight(), 1u);
  EXPECT_EQ(t.unaccounted(), 1u);
  EXPECT_EQ(t.commit_point(1), -1);
}
