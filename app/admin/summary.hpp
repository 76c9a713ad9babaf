#pragma once
// The one-screen summary printed at the end of `tickgate run`.
#include <string>

#include "actors/pipeline_env.hpp"

namespace tickgate {

std::string run_summary(const pipeline_env& env, double seconds);

}  // namespace tickgate
