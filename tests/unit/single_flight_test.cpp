// Requests on a state whose answer is in flight wait for it, in order, and go on when every
// state they wait for has settled; a wait that outlives max_wait is released.
#include <gtest/gtest.h>

#include "actors/cache/single_flight.hpp"

using namespace tickgate;

namespace {
llm_request req(const std::string& id) {
  llm_request r;
  r.request_id = id;
  return r;
}
std::vector<std::string> ids(const std::vector<llm_request>& v) {
  std::vector<std::string> out;
  for (auto& r : v) out.push_back(r.request_id);
  return out;
}
}  // namespace

TEST(single_flight, waiters_go_on_in_order_when_the_answer_settles) {
  single_flight f;
  EXPECT_FALSE(f.in_flight("a"));
  f.begin({"a"});
  EXPECT_TRUE(f.in_flight("a"));
  f.park(req("r1"), {"a"}, 0);
  f.park(req("r2"), {"a"}, 1);
  EXPECT_TRUE(f.settle("b").empty());  // nothing in flight for b
  EXPECT_EQ(ids(f.settle("a")), (std::vector<std::string>{"r1", "r2"}));
  EXPECT_FALSE(f.in_flight("a"));
  EXPECT_EQ(f.parked(), 0u);
}

TEST(single_flight, a_request_waits_for_every_state_it_needs) {
  single_flight f;
  f.begin({"a", "b"});
  f.park(req("batch"), {"a", "b"}, 0);
  EXPECT_TRUE(f.settle("a").empty());
  EXPECT_EQ(ids(f.settle("b")), (std::vector<std::string>{"batch"}));
}

TEST(single_flight, two_requests_in_flight_for_one_state_both_settle_first) {
  single_flight f;
  f.begin({"a"});
  f.begin({"a"});  // e.g. a HIGH request that bypassed the cache, then a miss
  f.park(req("r"), {"a"}, 0);
  EXPECT_TRUE(f.settle("a").empty());
  EXPECT_TRUE(f.in_flight("a"));
  EXPECT_EQ(ids(f.settle("a")), (std::vector<std::string>{"r"}));
  EXPECT_EQ(f.flights(), 0u);
}

TEST(single_flight, an_answer_that_never_comes_releases_its_waiters) {
  single_flight f;
  f.begin({"a"});
  f.park(req("old"), {"a"}, 1'000);
  f.park(req("new"), {"a"}, 50'000);
  EXPECT_TRUE(f.expire(60'000, 60'000).empty());
  EXPECT_EQ(ids(f.expire(61'001, 60'000)), (std::vector<std::string>{"old"}));
  EXPECT_EQ(f.parked(), 1u);
  EXPECT_EQ(ids(f.settle("a")), (std::vector<std::string>{"new"}));
}
