#include "common/heap_trim.hpp"

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <cstring>

using namespace tickgate;

namespace {
constexpr int64_t MB = 1 << 20;
}

TEST(heap_trim_policy, trims_only_when_grown_past_the_slack_above_its_low) {
  heap_trim_policy p(64 * MB);
  EXPECT_FALSE(p.due(200 * MB));  // the first reading is the low mark
  EXPECT_FALSE(p.due(264 * MB));  // grown by exactly the slack: not more than it
  EXPECT_FALSE(p.due(150 * MB));  // lower: the new low mark
  EXPECT_EQ(p.low_mark(), 150 * MB);
  EXPECT_FALSE(p.due(214 * MB));
  EXPECT_TRUE(p.due(215 * MB));   // 65 MB above 150
  p.trimmed(180 * MB);            // what the trim left is the low mark
  EXPECT_FALSE(p.due(240 * MB));
  EXPECT_TRUE(p.due(250 * MB));
  EXPECT_FALSE(p.due(-1));        // unreadable: no trim, the mark stays
  EXPECT_EQ(p.low_mark(), 180 * MB);
}

TEST(heap_trim_policy, no_slack_trims_every_time) {
  heap_trim_policy p(0);
  EXPECT_TRUE(p.due(10 * MB));
  EXPECT_TRUE(p.due(10 * MB));
  EXPECT_TRUE(p.due(-1));
}

TEST(resident_bytes, counts_pages_once_they_are_touched) {
  const int64_t before = resident_bytes();
  ASSERT_GT(before, 0);
  constexpr size_t n = 64 * MB;
  void* p = mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(p, MAP_FAILED);
  std::memset(p, 1, n);
  const int64_t touched = resident_bytes();
  munmap(p, n);
  EXPECT_GE(touched - before, 60 * MB);
  EXPECT_LE(touched - before, 80 * MB);
}
