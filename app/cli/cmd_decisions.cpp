#include <iostream>

#include "app/cli/cli_args.hpp"
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
                 "(symbol, event time, offset, agent) order. Run it when no tickgate run holds\n"
                 "the data dir.\n\n"
              << args.usage();
    return 0;
  }
  auto store = open_rocksdb_store(args.get("data-dir", "./tickgate-data") + "/db", false);
  std::string prefix = args.has("symbol") ? args.get("symbol") + std::string(1, '\0') : "";
  std::string agent = args.get("agent"), act = args.get("action");
  std::string agent_field = "\"agent\":\"" + agent + "\"";
  std::string action_field = "\"action\":\"" + act + "\"";
  store->scan(column::decisions, prefix, [&](std::string_view, std::string_view v) {
    if ((agent.empty() || v.find(agent_field) != std::string_view::npos) &&
        (act.empty() || v.find(action_field) != std::string_view::npos))
      std::cout << v << '\n';
    return static_cast<bool>(std::cout);
  });
  return 0;
}

}  // namespace tickgate
