// Checkpoints of the sampling stage's per-symbol clocks (the changelog's third section).
#include "actors/sampling/sampling_policy.hpp"
#include "common/state_codec.hpp"

namespace tickgate {
namespace {
constexpr uint8_t k_version = 2;  // 2: a held-back urgent event per agent; 1 read without
}  // namespace

std::string sampling_policy::save(const std::string& symbol) const {
  auto it = states_.find(symbol);
  if (it == states_.end()) return {};
  state_writer w;
  w.u8(k_version);
  w.i64(static_cast<int64_t>(it->second.size()));
  for (auto& a : it->second) {
    w.i64(a.last_call);
    w.boolean(a.pending_change);
    w.u8(a.pending_urgent);
    w.u8(a.pending_urgent_prio);
  }
  return std::move(w.bytes());
}

void sampling_policy::load(const std::string& symbol, std::string_view bytes) {
  forget(symbol);
  if (bytes.empty()) return;
  state_reader r(bytes);
  const uint8_t version = r.u8();
  if (version != k_version && version != 1) throw state_decode_error("state: unknown sampling version");
  std::vector<agent_state> states(r.count(version == 1 ? 9 : 11));
  for (auto& a : states) {
    a.last_call = r.i64();
    a.pending_change = r.boolean();
    if (version >= 2) {
      a.pending_urgent = r.u8();
      a.pending_urgent_prio = r.u8();
    }
  }
  if (!r.done()) throw state_decode_error("state: trailing bytes in sampling state");
  if (states.size() != agents_.size()) throw state_decode_error("state: sampling state for another agent set");
  states_[symbol] = std::move(states);
}

void sampling_policy::forget(const std::string& symbol) { states_.erase(symbol); }

}  // namespace tickgate
