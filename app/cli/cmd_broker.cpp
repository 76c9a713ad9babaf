#include <chrono>
#include <fstream>
#include <iostream>
#include <thread>

#include "app/cli/cli_args.hpp"
#include "app/cli/commands.hpp"
#include "app/cli/signals.hpp"
#include "config/config.hpp"
#include "kafka/embedded_broker.hpp"

namespace tickgate {

int cmd_broker(int argc, char** argv) {
  cli_args args("broker",
                {{"partitions", "partitions per topic", true, false, "6"},
                 {"brokers", "number of brokers in the cluster", true, false, "1"},
                 {"topic", "extra topic to create", true, true},
                 {"bootstrap-file", "also write the bootstrap list to this file"}},
                argc, argv, 2);
  if (args.help()) {
    std::cout << "tickgate broker: a development Kafka-protocol broker on 127.0.0.1\n"
                 "(librdkafka's mock cluster; data lives in memory). Runs until SIGINT/SIGTERM.\n\n"
              << args.usage();
    return 0;
  }
  int partitions = 0, brokers = 0;
  try {
    partitions = std::stoi(args.get("partitions", "6"));
    brokers = std::stoi(args.get("brokers", "1"));
  } catch (const std::exception&) {
    throw usage_error("broker: --partitions and --brokers take integers");
  }
  if (partitions < 1 || partitions > 256) throw usage_error("broker: --partitions must be 1..256");
  if (brokers < 1 || brokers > 16) throw usage_error("broker: --brokers must be 1..16");
  embedded_broker broker(brokers);
  kafka_config defaults;
  std::vector<std::string> topics{defaults.ticks_topic, defaults.analyses_topic,
                                  defaults.costs_topic, defaults.dlq_topic, defaults.alerts_topic,
                                  defaults.state_topic,  // state and events: co-partitioned with the ticks
                                  defaults.events_topic, defaults.requests_topic};
  for (auto& t : args.all("topic")) topics.push_back(t);
  for (auto& t : topics) broker.create_topic(t, partitions);
  broker.create_topic(defaults.budget_topic, 1);  // the cluster budget's sequencer: one log order
  std::cout << "BOOTSTRAP " << broker.bootstrap() << std::endl;
  if (args.has("bootstrap-file")) {
    std::ofstream f(args.get("bootstrap-file"));
    if (!(f << broker.bootstrap() << '\n'))
      throw usage_error("broker: cannot write --bootstrap-file " + args.get("bootstrap-file"));
  }
  install_stop_signals();
  while (!stop_requested().load())
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // serving until signalled
  return 0;
}

}  // namespace tickgate
