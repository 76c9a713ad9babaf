#pragma once
// The LLM gateway, pure: every limit between the decision stages and the providers in one
// place, so none can be bypassed and each decision is a function of state and the `now` passed
// in. It holds the priority queue (CRITICAL first; under pressure LOW is shed to rules), the
// budget (reserve the worst case on dispatch, settle on the answer; a retry keeps its one
// reservation), per-route token buckets and in-flight caps, circuit breakers, routing by
// strategy with a fallback chain, and retries with exponential backoff and jitter honouring
// Retry-After. It never sees a payload: the actor keeps the requests and does the I/O.
// Two clocks: `wall_now` for rate limits, backoff and breakers; a request's `budget_now` for
// budget periods (event time in replays, wall clock live).
#include <cstdint>
#include <list>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/budget/budget_policy.hpp"
#include "actors/gateway/router.hpp"

namespace tickgate {

/// What the gateway knows of a request.
struct gateway_request {
  uint64_t id = 0;
  uint16_t agent = 0;
  uint8_t prio = 0;            // priority of its most urgent item
  double significance = 0;     // highest change score among its items
  int64_t prompt_bytes = 0;    // system + user prompt
  int32_t max_tokens = 0;
  int64_t budget_now = 0;      // the budget's clock for this request
  std::vector<uint16_t> routes;  // routes it may use, in configuration order
};

/// How an attempt ended, as the caller reports it.
enum class attempt_end : uint8_t {
  answered,      // a usable answer: settle to `actual`
  paid_failure,  // usage came back but the answer is unusable: settle to `actual`, no retry
  retryable,     // 5xx, timeout, network error, unparsable body; no usage, not charged
  rate_limited,  // 429: back-pressure; pace the route and retry there, not a breaker failure
  rejected,      // another 4xx, no usage: this route will not serve it; next route
  replayed,      // already paid for (ledger): nothing to settle
};

struct attempt_report {
  attempt_end end = attempt_end::answered;
  picousd actual = 0;
  int64_t retry_after_ms = -1;
  int64_t latency_us = 0;
};

/// What the actor does next.
struct gateway_step {
  enum kind_t : uint8_t { dispatch, rules, finished };
  kind_t kind = dispatch;
  uint64_t id = 0;
  uint16_t route = 0;    // dispatch: where to
  int32_t attempt = 0;   // dispatch: 1-based over the request's life
  picousd reserved = 0;  // dispatch: the reservation the attempt runs under
  const char* why = "";  // rules: why no LLM answers it
};

/// Something an operator should hear about.
struct gateway_event {
  enum kind_t : uint8_t {
    breaker_opened,
    breaker_closed,
    level_changed,
    velocity_stop,
    projected_overrun
  };
  kind_t kind = breaker_opened;
  uint16_t route = 0;
  budget_level level = budget_level::normal;
  int64_t ts = 0;           // breakers: wall clock; budget events: the budget clock
  bool monthly = false;     // projected_overrun: the month (else the day)
  picousd projected = 0;    // projected_overrun: spend projected at the period's end
};

struct gateway_counters {
  uint64_t submitted = 0;
  uint64_t attempts = 0;
  uint64_t retries = 0;
  uint64_t fallbacks = 0;
  uint64_t shed = 0;
  uint64_t rate_limited = 0;  // 429s seen
};

class gateway_policy {
 public:
  gateway_policy(const config& cfg, std::vector<route> routes,
                 budget_policy::spent_loader loader = nullptr, uint64_t seed = 42);

  /// A request the cache could not answer. May append a rules step for it (budget level,
  /// velocity stop, degrade filter) or for a request it sheds.
  void submit(const gateway_request& r, int64_t wall_now, std::vector<gateway_step>& out);
  /// Dispatches what may go now, at most `free_callers`, most urgent first.
  void pump(int64_t wall_now, int32_t free_callers, std::vector<gateway_step>& out);
  /// The caller's report on the attempt of request `id`.
  void on_result(uint64_t id, const attempt_report& r, int64_t wall_now,
                 std::vector<gateway_step>& out);
  /// The earliest wall time at which pump() may do something it cannot do now; INT64_MAX if
  /// nothing is waiting on time.
  int64_t next_wake(int64_t wall_now);
  /// Replays turn shedding off: under a replay's event clock, what is shed would depend on how
  /// fast the machine is, and a backtest must make every call the live system would.
  void set_shedding(bool on) { shedding_ = on; }
  /// Drains the events since the last call.
  std::vector<gateway_event> take_events();

  const std::vector<route>& routes() const { return routes_; }
  budget_policy& budget() { return budget_; }
  const gateway_counters& counters() const { return counters_; }
  size_t queued() const;
  size_t waiting_retry() const { return waiting_.size(); }
  int32_t in_flight() const { return in_flight_total_; }
  size_t pending() const { return pending_.size(); }
  /// The route of request `id`'s attempt in flight (or retry waited for); -1 when none.
  int32_t route_of(uint64_t id) const {
    auto it = pending_.find(id);
    return it == pending_.end() ? -1 : it->second.route;
  }

  /// Backoff before retry number `retry` (1-based): exponential from `base` up to `max`, "equal
  /// jitter" (half fixed, half random), at least Retry-After (capped) when the provider sent one.
  static int64_t backoff_ms(int32_t retry, int64_t retry_after_ms, const gateway_config& g,
                            uint64_t random);

 private:
  struct pending_request {
    gateway_request req;
    uint64_t failed_routes = 0;  // bit i: route i failed this request for good
    int32_t route = -1;          // route of the attempt in flight or the retry waited for
    uint64_t breaker_epoch = 0;  // of that route's breaker when the attempt was sent
    bool sticky = false;         // a retry: same route, same reservation
    int32_t attempts = 0;
    int32_t attempts_on_route = 0;  // 429s excluded
    int32_t rate_limited = 0;       // 429s over the request's life
    picousd reserved = 0;
    int64_t enqueued_at = 0;
  };
  enum class placement : uint8_t { dispatched, answered_by_rules, blocked };

  placement try_place(pending_request& p, int64_t now, std::vector<gateway_step>& out);
  void dispatch(pending_request& p, uint16_t route, int64_t now, std::vector<gateway_step>& out);
  void to_rules(uint64_t id, const char* why, std::vector<gateway_step>& out);
  void release(pending_request& p);
  void enqueue(uint64_t id, uint8_t prio, bool front);
  void note_breaker(uint16_t route, bool changed, int64_t now);
  void note_level(int64_t budget_now);
  /// After spend is booked: a projected_overrun event once per day / month that projects over.
  void note_projection(int64_t budget_now);

  const config& cfg_;
  std::vector<route> routes_;
  std::vector<int32_t> provider_cap_;       // by provider slot
  std::vector<int32_t> provider_in_flight_;
  std::vector<int32_t> route_max_retries_;
  budget_policy budget_;
  route_strategy strategy_;
  std::unordered_map<uint64_t, pending_request> pending_;
  std::list<uint64_t> queues_[4];  // by priority, FIFO
  std::vector<std::pair<int64_t, uint64_t>> waiting_;  // (not_before, id) of retries
  int32_t in_flight_total_ = 0;
  bool shedding_ = true;
  budget_level last_level_ = budget_level::normal;
  uint64_t last_velocity_stops_ = 0;
  int64_t overrun_day_ = INT64_MIN;    // the last day / month a projected overrun was reported
  int64_t overrun_month_ = INT64_MIN;
  std::vector<gateway_event> events_;
  gateway_counters counters_;
  std::mt19937_64 rng_;
  std::vector<picousd> worst_;       // scratch, by route
  std::vector<uint16_t> candidates_;  // scratch
};

/// Every model of every provider in `providers` (usable ones, routing order), as routes.
std::vector<route> make_routes(const config& cfg, const std::vector<std::string>& providers);
/// The routes agent `agent` may use: those of its pinned provider, else all.
std::vector<uint16_t> agent_routes(const config& cfg, const std::vector<route>& routes,
                                   uint16_t agent);
/// The model routing tries first for the agent on a typical request (2 kB of prompt), which
/// keys its cached answers; "rules" when it has no route.
std::string preferred_model(const config& cfg, const std::vector<route>& routes, uint16_t agent);

}  // namespace tickgate
