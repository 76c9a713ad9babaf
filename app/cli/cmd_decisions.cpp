#include <climits>
#include <iostream>

#include "app/cli/cli_args.hpp"
#include "actors/sink/decision_record.hpp"
#include "app/cli/commands.hpp"
#include "storage/kv_store.hpp"

namespace tickgate {

int cmd_decisions(int argc, char** argv) {
  cli_args args("decisions",
                {{"data-dir", "the data dir of a run", true, false, "./tickgate-data"},
                 {"symbol", "only this symbol"},
                 {"agent", "only this agent"},
                 {"action", "only this action: call, batch or skip"}},
                argc, argv, 2);
  if (args.help()) {
    std::cout << "tickgate decisions: print the decision log of a data dir as JSON lines, in\n"
                 "(event day, symbol, event time, offset, agent) order. Run it when no tickgate run\n"
                 "holds the data dir.\n\n"
              << args.usage();
    return 0;
  }
  auto store = open_rocksdb_store(args.get("data-dir", "./tickgate-data") + "/db", false);
  const std::string agent = args.get("agent"), act = args.get("action");
  decision_log_reader reader(*store);
  auto print = [&](const decision_line& l) {
    if ((agent.empty() || l.agent == agent) &&
        (act.empty() || act == to_string(static_cast<action>(l.verdict->act))))
      std::cout << l.text << '\n';
    return static_cast<bool>(std::cout);
  };
  if (args.has("symbol"))
    reader.for_symbol(args.get("symbol"), INT64_MIN, INT64_MAX, print);
  else
    reader.for_each(print);
  if (reader.bad() > 0)
    std::cerr << "decisions: " << reader.bad() << " records not readable (written by another version?)\n";
  return 0;
}

}  // namespace tickgate
