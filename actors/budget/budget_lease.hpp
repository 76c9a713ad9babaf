#pragma once
// The cluster budget, pure. Every instance of a group spends only under leases, and every lease
// is granted by one replicated state machine: the records of the sequencer topic (one
// partition), applied in log order. Every instance applies the same records and so computes the
// same grants; what was granted never exceeds a limit and no instance spends beyond its
// leases, so the cluster's spend never overshoots, however many instances reserve at once.
//
// - lease_sequence: the replicated state machine (what is granted per scope and period).
// - lease_book: one instance's side (its leases; what it reserved and spent under them; what it
//   must ask for or hand back). An instance that dies keeps its leases counted for the period:
//   it may have been billed for calls it never recorded, so that money is not lent again.
// - claims: the first claim of a key in the log wins, on every instance alike; a cluster-wide
//   alert (a budget level reached today) is sent by the instance whose claim won, so it fires
//   once for the cluster however many instances see the level change.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/money.hpp"
#include "config/config.hpp"

namespace tickgate {

/// One record of the sequencer topic.
struct lease_record {
  enum class op : uint8_t { acquire = 0, release = 1, claim = 2 };
  op what = op::acquire;
  std::string holder;                 // the instance (one id per process start)
  uint64_t n = 0;                     // the holder's record number
  std::vector<std::string> scopes;    // "" = global, else an agent with limits of its own
  std::vector<picousd> limit_day;     // per scope, as the holder's config has them (-1: none)
  std::vector<picousd> limit_month;
  int64_t day = 0;                    // days since epoch (UTC) the lease counts against...
  int64_t month = 0;                  // ...and months since epoch
  picousd amount = 0;                 // acquire: wanted; release: handed back
  picousd min = 0;                    // acquire: a grant below this is a denial
  std::vector<picousd> spent_day;     // per scope: the holder's settled spend in day / month,
  std::vector<picousd> spent_month;   //   for the cluster-wide budget level
  std::string key;                    // claim: what is claimed (it names its period)
};

/// The replicated state machine. Deterministic: the same records in the same order give the
/// same grants on every instance.
class lease_sequence {
 public:
  /// Applies one record. An acquire returns its grant (0: denied); a release what it returned;
  /// a claim 1 when it is the first of its key, else 0.
  picousd apply(const lease_record& r);
  /// Who won the claim of `key` ("" when nobody claimed it, or it was forgotten).
  std::string claimed_by(const std::string& key) const;
  size_t claims() const { return claims_.size(); }
  /// Claims are forgotten once their day is this far behind the newest claim's.
  static constexpr int64_t k_claim_days = 62;
  picousd granted_day(const std::string& scope, int64_t day) const;
  picousd granted_month(const std::string& scope, int64_t month) const;
  /// Settled spend of every holder in the period, as last reported in their records.
  picousd spent_day(const std::string& scope, int64_t day) const;
  picousd spent_month(const std::string& scope, int64_t month) const;
  uint64_t applied() const { return applied_; }

 private:
  struct report {
    int64_t day = 0, month = 0;
    picousd spent_day = 0, spent_month = 0;
  };
  std::map<std::pair<std::string, int64_t>, picousd> day_;
  std::map<std::pair<std::string, int64_t>, picousd> month_;
  std::map<std::pair<std::string, std::string>, report> reports_;  // (holder, scope)
  std::map<std::string, std::pair<int64_t, std::string>> claims_;  // key -> (day, holder)
  uint64_t applied_ = 0;
};

/// One instance's leases. Scopes are indexed like the budget policy's: 0 global, 1 + agent.
class lease_book {
 public:
  enum class verdict : uint8_t { granted, must_wait, exhausted };
  /// `scope_names[i]` and `limits[i]` describe scope i; `lease_pct` sizes what is asked for.
  lease_book(std::string holder, std::vector<std::string> scope_names,
             std::vector<budget_limits> limits, double lease_pct, int64_t wait_ms,
             int64_t timeout_ms);

  /// Reserves `worst` under the leases of every scope in `scopes` for (day, month), or says
  /// why not: must_wait (an acquire is on its way; asked for here if not yet) or exhausted
  /// (denied and nothing handed back since: the call goes elsewhere).
  verdict try_reserve(const std::vector<int>& scopes, int64_t day, int64_t month, picousd worst);
  /// A reservation made under (day) settles: `actual` is spent, the rest is free again.
  void settle(const std::vector<int>& scopes, int64_t day, picousd reserved, picousd actual);
  /// A record of the sequencer topic was applied with result `grant`. Returns true when a
  /// waiting reservation may now fit (the caller retries its queue).
  bool on_applied(const lease_record& r, picousd grant, int64_t wall_ms);
  /// Wall-clock transitions (an unanswered acquire, the wait after a denial). True when
  /// something changed (the caller retries its queue: what waited may now go to rules).
  bool expire(int64_t wall_ms);
  /// Claims `key` for the cluster (day: when it was claimed, for forgetting it); the record's
  /// number, to recognise it when the log brings it back.
  uint64_t claim(const std::string& key, int64_t day, int64_t month);
  /// Hands back every unused lease (clean shutdown).
  void release_all();
  /// Records to publish, in order; cleared.
  std::vector<lease_record> take_outbox();

  picousd unused(int scope, int64_t day) const;
  /// Settled spend under this book's leases in the day / month.
  picousd spent_day(int scope, int64_t day) const;
  picousd spent_month(int scope, int64_t month) const;
  picousd granted(int scope, int64_t day) const;
  const std::string& holder() const { return holder_; }
  /// The index of the scope named `name` ("" global, else the agent), or -1.
  int scope_index(const std::string& name) const;

 private:
  struct lease {
    int64_t month = 0;
    picousd granted = 0, reserved = 0, spent = 0;
  };
  enum class ask : uint8_t { none, asking, denied, exhausted };
  struct scope_state {
    std::map<int64_t, lease> by_day;
    ask state = ask::none;
    int64_t since = 0;  // wall ms of the last state change
    int64_t day = 0;    // the day the state is about
    std::map<int64_t, picousd> spent_by_month;
  };
  lease_record make(lease_record::op what, const std::vector<int>& scopes, int64_t day,
                    int64_t month, picousd amount, picousd min);
  void release_unused(int scope, int64_t day);
  void retire_old_days(int scope, int64_t today);
  picousd chunk(int scope, picousd worst) const;

  std::string holder_;
  std::vector<std::string> names_;
  std::vector<budget_limits> limits_;
  double lease_pct_;
  int64_t wait_ms_;
  int64_t timeout_ms_;
  std::vector<scope_state> scopes_;
  std::vector<lease_record> outbox_;
  uint64_t n_ = 0;
  int64_t wall_ = 0;  // the wall clock at the last expire() / on_applied()
};

}  // namespace tickgate
