#include <gtest/gtest.h>

#include <deque>
#include <random>

#include "actors/budget/budget_lease.hpp"
#include "actors/budget/lease_codec.hpp"

using namespace tickgate;

namespace {

constexpr picousd k_usd = 1'000'000'000'000;

lease_record acquire(const std::string& holder, picousd amount, picousd min, picousd limit_day,
                     int64_t day = 100, int64_t month = 3) {
  lease_record r;
  r.holder = holder;
  r.scopes = {""};
  r.limit_day = {limit_day};
  r.limit_month = {-1};
  r.spent_day = {0};
  r.spent_month = {0};
  r.day = day;
  r.month = month;
  r.amount = amount;
  r.min = min;
  return r;
}

/// Applies every record of every book's outbox to the sequence and then to every book, in one
/// log order (what each instance's reader does); repeats until no book has more to say.
void deliver(lease_sequence& seq, std::vector<lease_book*> books, int64_t wall) {
  std::deque<lease_record> log;
  for (;;) {
    for (auto* b : books)
      for (auto& r : b->take_outbox()) log.push_back(std::move(r));
    if (log.empty()) return;
    auto r = std::move(log.front());
    log.pop_front();
    const picousd grant = seq.apply(r);
    for (auto* b : books) b->on_applied(r, grant, wall);
  }
}

}  // namespace

TEST(lease_sequence, grants_in_log_order_up_to_the_limit_and_no_further) {
  lease_sequence seq;
  // Limit $1/day: A asks 0.6, B asks 0.6 (at least 0.3), C asks 0.2 (at least 0.1).
  EXPECT_EQ(seq.apply(acquire("A", 600'000'000'000, 100, k_usd)), 600'000'000'000);
  EXPECT_EQ(seq.apply(acquire("B", 600'000'000'000, 300'000'000'000, k_usd)), 400'000'000'000);
  EXPECT_EQ(seq.apply(acquire("C", 200'000'000'000, 100'000'000'000, k_usd)), 0);  // nothing left
  EXPECT_EQ(seq.granted_day("", 100), k_usd);
  // A hands back 0.25: C's next ask fits.
  lease_record rel = acquire("A", 250'000'000'000, 0, k_usd);
  rel.what = lease_record::op::release;
  EXPECT_EQ(seq.apply(rel), 250'000'000'000);
  EXPECT_EQ(seq.apply(acquire("C", 200'000'000'000, 100'000'000'000, k_usd)), 200'000'000'000);
  EXPECT_EQ(seq.granted_day("", 100), 950'000'000'000);
  // Another day has its own room; the month has none (it was never limited here).
  EXPECT_EQ(seq.granted_day("", 101), 0);
}

TEST(lease_sequence, a_lease_counts_against_its_month_too) {
  lease_sequence seq;
  auto r = acquire("A", 700, 1, 1000);
  r.limit_month = {1200};
  EXPECT_EQ(seq.apply(r), 700);
  auto next_day = acquire("A", 700, 1, 1000, 101);
  next_day.limit_month = {1200};
  EXPECT_EQ(seq.apply(next_day), 500);  // the month's room, not the new day's
  EXPECT_EQ(seq.granted_month("", 3), 1200);
}

TEST(lease_book, asks_once_then_reserves_under_its_lease) {
  lease_sequence seq;
  lease_book a("A", {""}, {{1000, -1}}, 10, 1000, 10'000);  // leases of 10% = 100
  EXPECT_EQ(a.try_reserve({0}, 100, 3, 30), lease_book::verdict::must_wait);
  EXPECT_EQ(a.try_reserve({0}, 100, 3, 30), lease_book::verdict::must_wait);  // no second ask
  auto out = a.take_outbox();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].amount, 100);
  EXPECT_EQ(out[0].min, 30);
  a.on_applied(out[0], seq.apply(out[0]), 0);
  EXPECT_EQ(a.try_reserve({0}, 100, 3, 30), lease_book::verdict::granted);
  EXPECT_EQ(a.try_reserve({0}, 100, 3, 30), lease_book::verdict::granted);
  EXPECT_EQ(a.try_reserve({0}, 100, 3, 30), lease_book::verdict::granted);
  EXPECT_EQ(a.unused(0, 100), 10);
  a.settle({0}, 100, 30, 12);  // billed less than the worst case: the rest is free again
  EXPECT_EQ(a.unused(0, 100), 28);
  EXPECT_EQ(a.spent_day(0, 100), 12);
  EXPECT_TRUE(a.take_outbox().empty());
}

TEST(lease_book, a_denial_makes_others_hand_back_then_exhausts_after_the_wait) {
  lease_sequence seq;
  lease_book a("A", {""}, {{100, -1}}, 80, 500, 10'000);  // A leases 80 of 100
  lease_book b("B", {""}, {{100, -1}}, 80, 500, 10'000);
  ASSERT_EQ(a.try_reserve({0}, 100, 3, 10), lease_book::verdict::must_wait);
  deliver(seq, {&a, &b}, 0);
  ASSERT_EQ(a.try_reserve({0}, 100, 3, 10), lease_book::verdict::granted);  // A: 70 unused
  // B needs 30: 20 unleased is not enough -> denied; A hands back its 70 unused.
  ASSERT_EQ(b.try_reserve({0}, 100, 3, 30), lease_book::verdict::must_wait);
  deliver(seq, {&a, &b}, 0);
  EXPECT_EQ(a.unused(0, 100), 0);
  EXPECT_EQ(seq.granted_day("", 100), 10);  // only A's reservation stays leased
  // B asks again and gets it.
  ASSERT_EQ(b.try_reserve({0}, 100, 3, 30), lease_book::verdict::must_wait);
  deliver(seq, {&a, &b}, 0);
  EXPECT_EQ(b.try_reserve({0}, 100, 3, 30), lease_book::verdict::granted);
  // Now B holds 80 (50 unused after its reservation), A holds its 10 reserved: A needs 50 more,
  // 10 are unleased -> denied, B hands back 50; A asks again: 60 free, grant 50.
  ASSERT_EQ(a.try_reserve({0}, 100, 3, 50), lease_book::verdict::must_wait);
  deliver(seq, {&a, &b}, 0);
  ASSERT_EQ(a.try_reserve({0}, 100, 3, 50), lease_book::verdict::must_wait);
  deliver(seq, {&a, &b}, 0);
  EXPECT_EQ(a.try_reserve({0}, 100, 3, 50), lease_book::verdict::granted);
  EXPECT_LE(seq.granted_day("", 100), 100);
  // Nothing is left for a call of 40: denied; A hands back its 10 unused, B asks again, is
  // denied again (nothing more to hand back), and once the wait is over the denial stands.
  ASSERT_EQ(b.try_reserve({0}, 100, 3, 40), lease_book::verdict::must_wait);
  deliver(seq, {&a, &b}, 1000);
  EXPECT_EQ(a.unused(0, 100), 0);
  ASSERT_EQ(b.try_reserve({0}, 100, 3, 40), lease_book::verdict::must_wait);
  deliver(seq, {&a, &b}, 1000);
  EXPECT_EQ(b.try_reserve({0}, 100, 3, 40), lease_book::verdict::must_wait);  // waiting for hand-backs
  EXPECT_FALSE(b.expire(1400));
  EXPECT_TRUE(b.expire(1600));
  EXPECT_EQ(b.try_reserve({0}, 100, 3, 40), lease_book::verdict::exhausted);
  EXPECT_EQ(b.try_reserve({0}, 101, 3, 40), lease_book::verdict::must_wait);  // a new day asks again
}

TEST(lease_book, property_three_holders_never_overshoot_and_spend_most_of_the_limit) {
  std::mt19937_64 rng(11);
  for (int round = 0; round < 40; ++round) {
    const picousd limit = 1'000'000;
    lease_sequence seq;
    std::vector<std::unique_ptr<lease_book>> books;
    for (auto h : {"A", "B", "C"})
      books.push_back(std::make_unique<lease_book>(h, std::vector<std::string>{""},
                                                   std::vector<budget_limits>{{limit, -1}}, 5, 50, 10'000));
    std::vector<lease_book*> all{books[0].get(), books[1].get(), books[2].get()};
    struct call {
      int holder;
      picousd reserved;
    };
    std::vector<call> in_flight;
    std::uniform_int_distribution<picousd> worst_of(5'000, 40'000);
    picousd spent = 0;
    int64_t wall = 0;
    for (int step = 0; step < 4000; ++step) {
      wall += 10;
      const int h = static_cast<int>(rng() % 3);
      if (!in_flight.empty() && rng() % 2) {  // a call finishes: billed 30-100% of its worst case
        const size_t i = rng() % in_flight.size();
        const auto c = in_flight[i];
        const picousd actual = c.reserved * static_cast<picousd>(30 + rng() % 71) / 100;
        all[static_cast<size_t>(c.holder)]->settle({0}, 100, c.reserved, actual);
        spent += actual;
        in_flight.erase(in_flight.begin() + static_cast<std::ptrdiff_t>(i));
      } else {
        const picousd worst = worst_of(rng);
        if (all[static_cast<size_t>(h)]->try_reserve({0}, 100, 3, worst) == lease_book::verdict::granted)
          in_flight.push_back({h, worst});
      }
      for (auto* b : all) b->expire(wall);
      deliver(seq, all, wall);
      // Never more granted than the limit; spend plus what is reserved within it.
      ASSERT_LE(seq.granted_day("", 100), limit);
      picousd reserved = 0;
      for (auto& c : in_flight) reserved += c.reserved;
      ASSERT_LE(spent + reserved, limit);
    }
    for (auto& c : in_flight) {
      all[static_cast<size_t>(c.holder)]->settle({0}, 100, c.reserved, c.reserved);
      spent += c.reserved;
    }
    EXPECT_LE(spent, limit);
    // Demand was far above the limit: what is left unspent is less than a few calls' worth.
    EXPECT_GE(spent, limit - 3 * 40'000) << "round " << round;
  }
}

TEST(lease_sequence, the_first_claim_of_a_key_in_the_log_wins_on_every_instance) {
  // Three instances see the budget reach "soft" and each claims the alert; one log order.
  lease_sequence seq;
  lease_book a("A", {""}, {budget_limits{k_usd, -1}}, 10, 1000, 1000);
  lease_book b("B", {""}, {budget_limits{k_usd, -1}}, 10, 1000, 1000);
  lease_book c("C", {""}, {budget_limits{k_usd, -1}}, 10, 1000, 1000);
  const uint64_t nb = b.claim("budget_level/soft/day/100", 100, 3);
  const uint64_t na = a.claim("budget_level/soft/day/100", 100, 3);
  c.claim("budget_level/soft/day/100", 100, 3);
  std::vector<std::pair<lease_record, picousd>> applied;
  for (auto* book : {&b, &a, &c})  // the log: B's record first
    for (auto& r : book->take_outbox()) applied.emplace_back(r, seq.apply(r));
  ASSERT_EQ(applied.size(), 3u);
  EXPECT_EQ(applied[0].first.holder, "B");
  EXPECT_EQ(applied[0].first.n, nb);
  EXPECT_EQ(applied[0].second, 1);  // won: B sends the alert
  EXPECT_EQ(applied[1].first.n, na);
  EXPECT_EQ(applied[1].second, 0);  // lost
  EXPECT_EQ(applied[2].second, 0);
  EXPECT_EQ(seq.claimed_by("budget_level/soft/day/100"), "B");
  // Claims move no money.
  EXPECT_EQ(seq.granted_day("", 100), 0);
  EXPECT_FALSE(a.on_applied(applied[1].first, applied[1].second, 0));
  // Another level or another day is a claim of its own.
  a.claim("budget_level/hard/day/100", 100, 3);
  a.claim("budget_level/soft/day/101", 101, 3);
  for (auto& r : a.take_outbox()) EXPECT_EQ(seq.apply(r), 1);
  // Claims of days long gone are forgotten (the log is read from its start at every launch).
  c.claim("budget_level/soft/day/200", 200, 6);
  for (auto& r : c.take_outbox()) EXPECT_EQ(seq.apply(r), 1);
  EXPECT_EQ(seq.claimed_by("budget_level/soft/day/100"), "");
  EXPECT_EQ(seq.claims(), 1u);
}

TEST(lease_record, a_claim_survives_the_topic_and_a_claim_without_key_does_not) {
  lease_book a("A", {""}, {budget_limits{k_usd, -1}}, 10, 1000, 1000);
  a.claim("projected_overrun/monthly/month/24279", 20460, 24279);
  auto out = a.take_outbox();
  ASSERT_EQ(out.size(), 1u);
  lease_record back;
  ASSERT_TRUE(decode_lease(encode_lease(out[0]), back));
  EXPECT_EQ(back.what, lease_record::op::claim);
  EXPECT_EQ(back.key, "projected_overrun/monthly/month/24279");
  EXPECT_EQ(back.holder, "A");
  EXPECT_EQ(back.n, out[0].n);
  EXPECT_EQ(back.day, 20460);
  out[0].key.clear();
  EXPECT_FALSE(decode_lease(encode_lease(out[0]), back));
}
