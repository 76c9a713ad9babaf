#include "actors/llm/ledger_replay.hpp"

#include <nlohmann/json.hpp>

#include "actors/llm/outcome.hpp"
#include "actors/sink/changelog_book.hpp"
#include "actors/sink/records.hpp"

namespace tickgate {
namespace {

/// An answer an earlier owner of the partition was paid for, restored from the changelog.
bool replay_from_changelog(kv_store& store, const config& cfg, const llm_request& req,
                           request_outcome& out, ledger_row* recorded, const char* source) {
  std::string value, ledger;
  std::vector<std::string> results;
  ledger_row row;
  if (!store.get(column::state, paid_store_key(req.request_id), value) ||
      !decode_paid(value, ledger, results) || !decode_ledger(ledger, row) ||
      results.size() != req.items.size())
    return false;
  out = make_outcome(cfg, req, source, row.provider, row.model, results, token_usage{}, 0);
  if (recorded) *recorded = std::move(row);
  return true;
}

}  // namespace

bool replay_from_ledger(kv_store& store, const config& cfg, const llm_request& req,
                        request_outcome& out, ledger_row* recorded, const char* source) {
  std::string rec;
  ledger_row row;
  if (!store.get(column::ledger, req.request_id, rec) || !decode_ledger(rec, row))
    return replay_from_changelog(store, cfg, req, out, recorded, source);
  std::vector<std::string> results;
  for (size_t i = 0; i < req.items.size(); ++i) {
    std::string stored;
    if (!store.get(column::analyses, analysis_key(req.request_id, static_cast<int32_t>(i)), stored))
      return false;
    auto doc = nlohmann::json::parse(stored, nullptr, false);
    if (doc.is_discarded() || !doc.contains("result")) return false;
    results.push_back(doc["result"].dump());
  }
  out = make_outcome(cfg, req, source, row.provider, row.model, results, token_usage{}, 0);
  if (recorded) *recorded = std::move(row);
  return true;
}

}  // namespace tickgate
