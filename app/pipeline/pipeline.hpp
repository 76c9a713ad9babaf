#pragma once
// Builds one pipeline instance (every actor, wired), runs it until the input is drained or a
// stop is requested, and tears it down. Used by `tickgate run` and by the integration tests.
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "actors/pipeline_env.hpp"

namespace tickgate {

/// Chooses the routes: an explicit routing.provider, or with "auto" every provider in
/// routing.order whose API key is in the environment (plus providers agents are pinned to);
/// none: the offline rule-based analyst, priced as a dry run. Fills env.providers, the note,
/// the dry-run model and each agent's preferred model. Throws config_error when an explicit
/// provider's key is missing.
void resolve_provider(const config& cfg, pipeline_env& env);

/// Live configuration changes for a running pipeline; thread-safe. Only the decision stages'
/// keys are live-tunable (events.*, change.*, batching.*, agents.<name>.{strategy,weights,
/// events}); anything else needs a restart.
class pipeline_control {
 public:
  /// Validates `sets` (dotted.path=JSON), records the change as a new config version in the
  /// state column, and hands it to every shard, where it takes effect in stream order.
  /// Returns the new version. Throws config_error naming the key; nothing is applied then.
  uint32_t apply(const std::vector<std::string>& sets);
  std::shared_ptr<const config> current() const;
  /// current(), or `fallback` while no pipeline is attached.
  std::shared_ptr<const config> current_or(std::shared_ptr<const config> fallback) const {
    auto c = current();
    return c ? c : fallback;
  }

  // Used by run_pipeline while the actors exist.
  void attach(std::shared_ptr<const config> cfg, kv_store* store,
              std::function<void(std::shared_ptr<const config>)> broadcast);
  void detach();

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const config> cfg_;
  kv_store* store_ = nullptr;
  std::function<void(std::shared_ptr<const config>)> broadcast_;
};

/// True when `dotted_path` may change while running.
bool live_tunable(const std::string& dotted_path);

/// Runs until drained (env.until_eof) or until `stop` becomes true. Returns wall seconds.
/// With `control`, live configuration changes can be applied while it runs. When the run
/// had to stop on a failure (an output Kafka did not take, a drain past its deadline), nothing
/// was committed past what is durable and `failure` (if given) says why; else it is empty.
double run_pipeline(const pipeline_env& env, const std::atomic<bool>& stop,
                    pipeline_control* control = nullptr, std::string* failure = nullptr);

}  // namespace tickgate
