#pragma once
// The decision stages' part in moving state with partitions: each appends its section to a
// cut, loads its section on a restore, and forgets the symbols of revoked partitions. Policy:
// save(symbol) -> bytes, load(symbol, bytes) (throws state_decode_error), forget(symbol).
#include <spdlog/spdlog.h>

#include "actors/actor_types.hpp"
#include "common/state_codec.hpp"

namespace tickgate {

template <class Policy>
void append_checkpoint(const Policy& policy, checkpoint_mark& m) {
  for (size_t i = 0; i < m.symbols.size(); ++i) append_section(m.states[i], policy.save(m.symbols[i]));
}

/// A symbol whose section does not decode starts cold (logged), the others are loaded.
template <class Policy>
void restore_checkpoint(Policy& policy, const state_restore& r, size_t section, const char* stage) {
  for (size_t i = 0; i < r.symbols.size(); ++i) {
    try {
      policy.load(r.symbols[i], section_at(r.states[i], section));
    } catch (const state_decode_error& e) {
      policy.forget(r.symbols[i]);
      spdlog::warn("{}: checkpoint of symbol={} not restored ({}); it starts cold", stage, r.symbols[i], e.what());
    }
  }
}

template <class Policy>
void forget_symbols(Policy& policy, const partitions_revoked& r) {
  for (auto& sym : r.symbols) policy.forget(sym);
}

}  // namespace tickgate
