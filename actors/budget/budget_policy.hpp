#pragma once
// Budget, pure: a call reserves its worst-case cost before it is sent and settles to the real
// cost afterwards, so the hard limit holds with any number of calls in flight. Scopes: global,
// and each agent with limits of its own; a reservation must fit every scope it touches. Daily
// and monthly periods roll on the `now` the caller passes (event time in replays, wall clock
// live); spend booked before a restart comes back through the loader when a period starts.
// Levels by settled spend: soft (alert), degrade (raise thresholds, cheaper routes), hard (no
// new calls). An emergency stop halts calls when one window spends far above its recent average.
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "actors/budget/budget_lease.hpp"
#include "common/money.hpp"
#include "config/config.hpp"

namespace tickgate {

enum class budget_level : uint8_t { normal = 0, soft = 1, degrade = 2, hard = 3 };
const char* to_string(budget_level l);

/// Limits and spend of one scope. A negative limit means none for that period.
struct budget_scope {
  budget_limits limits;
  picousd spent_day = 0;
  picousd spent_month = 0;
  picousd reserved = 0;
  int64_t day = INT64_MIN;
  int64_t month = INT64_MIN;
  // Cluster mode: settled spend of every instance, as the budget sequencer last reported it.
  picousd cluster_day = 0;
  picousd cluster_month = 0;
  bool fits(picousd worst) const;
  bool fits_settled(picousd worst) const;  // ignoring what is reserved
  double used_pct() const;  // the higher of the two periods, settled spend only (cluster's if known)
};

/// Settled global spend of the current day and month extrapolated linearly to the period's end;
/// -1 while less than budget.projection_min_elapsed_pct of the period has passed.
struct budget_projection {
  picousd day = -1;
  picousd month = -1;
};

class budget_policy {
 public:
  /// Spend already in the ledger for `period` ("day/2023-03-01" or "month/2023-03") and
  /// `agent` ("" for the global scope).
  using spent_loader = std::function<picousd(const std::string& period, const std::string& agent)>;
  /// must_wait: it does not fit now but would once calls in flight settle below their worst
  /// case; over_budget: settled spend alone leaves no room for it.
  enum class verdict : uint8_t { granted, must_wait, over_budget, velocity_stop };

  budget_policy(const budget_config& cfg, std::vector<std::string> agents,
                spent_loader loader = nullptr);

  /// Cluster mode: every reservation must also fit this instance's leases (scopes indexed 0
  /// global, 1 + agent); a reservation waiting for a lease is must_wait, one the cluster has
  /// no room for is over_budget. The book outlives the policy's use of it.
  void attach_leases(lease_book* book) { leases_ = book; }
  /// Scope names and limits as the lease book indexes them.
  std::vector<std::string> lease_scope_names() const;
  std::vector<budget_limits> lease_scope_limits() const;
  /// Cluster mode: every instance's settled spend in scope `scope` (lease index) for the current
  /// periods; levels use the higher of this and the local spend.
  void set_cluster_spent(int scope, int64_t day, int64_t month, picousd spent_day,
                         picousd spent_month);
  /// Reserves `worst_case` in the global and the agent's scope if it fits both periods of each.
  verdict try_reserve(uint16_t agent, picousd worst_case, int64_t now);
  /// Releases a reservation and books what was really spent in the current periods; `now`
  /// feeds the velocity windows (periods move only on reservations and level queries).
  void settle(uint16_t agent, picousd reserved, picousd actual, int64_t now);
  /// The agent's level: the higher of the global one and its own.
  budget_level level(uint16_t agent, int64_t now);
  budget_level global_level(int64_t now);
  /// The global level in the current periods, without moving them.
  budget_level current_level() const { return level_of(global_); }
  bool velocity_stopped(int64_t now) const { return now < halted_until_; }
  uint64_t velocity_stops() const { return velocity_stops_; }

  const budget_scope& global() const { return global_; }
  picousd spent_today() const { return global_.spent_day; }
  picousd spent_month() const { return global_.spent_month; }
  picousd in_flight() const { return global_.reserved; }
  budget_projection projected(int64_t now) const;
  /// What the global scope can still reserve today (min of both periods; -1: unlimited).
  picousd remaining() const;

  /// Days since epoch and months since epoch (proleptic Gregorian, UTC).
  static int64_t day_of(int64_t ms);
  static int64_t month_of(int64_t ms);

 private:
  void roll(budget_scope& s, const std::string& agent, int64_t now);
  budget_level level_of(const budget_scope& s) const;
  void note_velocity(picousd actual, int64_t now);
  /// The agent's own scope, or nullptr when it has no limits of its own.
  budget_scope* own_scope(uint16_t agent);
  /// The lease scopes a reservation of `agent` touches (those with limits).
  std::vector<int> lease_scopes(uint16_t agent);
  lease_book* leases_ = nullptr;

  budget_config cfg_;
  std::vector<std::string> agents_;
  spent_loader loader_;
  budget_scope global_;
  std::vector<budget_scope> agent_scopes_;  // indexed like agents_
  std::deque<std::pair<int64_t, picousd>> windows_;  // velocity: window index -> spend
  int64_t halted_until_ = INT64_MIN;
  uint64_t velocity_stops_ = 0;
};

/// Worst case of one call: every prompt byte a token (a BPE token is at least one byte) plus a
/// per-message overhead, priced at the dearer of input and cache-write, plus max_tokens output.
picousd worst_case_cost(int64_t prompt_bytes, int64_t messages, int64_t max_tokens,
                        picousd input_price, picousd cache_write_price, picousd output_price);

}  // namespace tickgate
