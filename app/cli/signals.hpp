#pragma once
#include <atomic>

namespace tickgate {

/// Set by SIGINT/SIGTERM once install_stop_signals() ran.
std::atomic<bool>& stop_requested();
void install_stop_signals();

}  // namespace tickgate
