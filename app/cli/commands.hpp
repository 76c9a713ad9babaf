#pragma once
// The subcommands of the tickgate binary. Each returns the process exit status.
namespace tickgate {

int cmd_run(int argc, char** argv);
int cmd_broker(int argc, char** argv);
int cmd_publish(int argc, char** argv);
int cmd_decisions(int argc, char** argv);
int cmd_backtest(int argc, char** argv);
int cmd_scenario(int argc, char** argv);

}  // namespace tickgate
