#include "app/cli/signals.hpp"

#include <csignal>
#include <cstdlib>

namespace tickgate {

std::atomic<bool>& stop_requested() {
  static std::atomic<bool> flag{false};
  return flag;
}

namespace {
// The first signal asks for a drain (bounded by pipeline.drain_timeout_s); a second one ends
// the process at once, uncommitted input is re-delivered on restart.
void on_signal(int) {
  if (stop_requested().exchange(true)) std::_Exit(130);
}
}  // namespace

void install_stop_signals() {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
}

}  // namespace tickgate
