#pragma once
// A sequencer record as the budget topic holds it: JSON, versioned. Pure.
#include <string>
#include <string_view>

#include "actors/budget/budget_lease.hpp"

namespace tickgate {

/// JSON of one lease record (the topic's value); decode is false on anything malformed.
std::string encode_lease(const lease_record& r);
bool decode_lease(std::string_view text, lease_record& out);

}  // namespace tickgate
