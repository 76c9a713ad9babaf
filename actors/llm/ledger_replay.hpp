#pragma once
// Answering a request from a ledger: after a crash (this instance's own ledger: the request was
// already paid for) and in a recorded backtest (a previous run's ledger).
#include "actors/sink/records.hpp"
#include "config/config.hpp"
#include "messages/analysis.hpp"
#include "storage/kv_store.hpp"

namespace tickgate {

/// When `store` holds a ledger record and every analysis of `req.request_id`: `out` is that
/// answer (source `source`, zero cost) and the ledger record, read back, goes to `recorded`.
/// False, `out` untouched, otherwise. Source "ledger" (this instance's own ledger) keeps the
/// existing record; "recorded" (a previous run's) gets a new one.
bool replay_from_ledger(kv_store& store, const config& cfg, const llm_request& req,
                        request_outcome& out, ledger_row* recorded = nullptr,
                        const char* source = "ledger");

}  // namespace tickgate
