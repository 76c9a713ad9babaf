// tickgate: decides per market event whether an LLM call is worth it.
#include <spdlog/spdlog.h>

#include <iostream>
#include <string>

#include "app/cli/commands.hpp"
#include "common/user_error.hpp"

namespace {

constexpr const char* k_usage =
    "usage: tickgate COMMAND [flags]\n\n"
    "commands:\n"
    "  run       consume ticks, decide, call LLMs when worth it, publish analyses and costs\n"
    "  broker    a development Kafka-protocol broker on 127.0.0.1\n"
    "  publish   publish a CSV of market data as ticks\n"
    "  decisions print a data dir's decision log (JSON lines)\n"
    "  backtest  replay a topic or CSV over a time range: cost and coverage vs naive strategies\n"
    "  scenario  write a synthetic session with injected events as a CSV (for backtests)\n\n"
    "tickgate COMMAND --help describes every flag.\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << k_usage;
    return 2;
  }
  std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::cout << k_usage;
    return 0;
  }
  try {
    if (cmd == "run") return tickgate::cmd_run(argc, argv);
    if (cmd == "broker") return tickgate::cmd_broker(argc, argv);
    if (cmd == "publish") return tickgate::cmd_publish(argc, argv);
    if (cmd == "decisions") return tickgate::cmd_decisions(argc, argv);
    if (cmd == "backtest") return tickgate::cmd_backtest(argc, argv);
    if (cmd == "scenario") return tickgate::cmd_scenario(argc, argv);
    std::cerr << "tickgate: unknown command '" << cmd << "'\n" << k_usage;
    return 2;
  } catch (const tickgate::user_error& e) {  // bad flag, config key or input: fixable
    std::cerr << "tickgate: " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "tickgate: " << e.what() << '\n';
    return 1;
  }
}
