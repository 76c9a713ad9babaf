#include "actors/llm/ledger_replay.hpp"

#include <nlohmann/json.hpp>

#include "actors/llm/outcome.hpp"
#include "actors/sink/records.hpp"

namespace tickgate {

bool replay_from_ledger(kv_store& store, const config& cfg, const llm_request& req,
                        request_outcome& out, recorded_usage* recorded, const char* source) {
  std::string rec;
  if (!store.get(column::ledger, req.request_id, rec)) return false;
  std::vector<std::string> results;
  for (size_t i = 0; i < req.items.size(); ++i) {
    std::string stored;
    if (!store.get(column::analyses, analysis_key(req.request_id, static_cast<int32_t>(i)), stored))
      return false;
    auto doc = nlohmann::json::parse(stored, nullptr, false);
    if (doc.is_discarded() || !doc.contains("result")) return false;
    results.push_back(doc["result"].dump());
  }
  auto led = nlohmann::json::parse(rec, nullptr, false);
  if (led.is_discarded()) return false;
  out = make_outcome(cfg, req, source, led.value("provider", ""), led.value("model", ""),
                     results, token_usage{}, 0);
  if (recorded) {
    recorded->cost = led.value("cost_picousd", int64_t{0}) + led.value("would_cost_picousd", int64_t{0});
    const auto& t = led.value("tokens", nlohmann::json::object());
    const auto& w = led.value("would_tokens", nlohmann::json::object());
    recorded->input_tokens = t.value("input", int64_t{0}) + t.value("cached", int64_t{0}) +
                             w.value("input", int64_t{0});
    recorded->output_tokens = t.value("output", int64_t{0}) + w.value("output", int64_t{0});
  }
  return true;
}

}  // namespace tickgate
