#pragma once
// A transaction Bundle the gateway itself runs inside a write job, without an HTTP exchange: the
// ingest pipeline (a plugin's decoded message) and server-composed transactions. The same
// machinery as POST /fhir with a transaction (bundle_interaction.cpp): conditional PUT and
// If-None-Exist through the same race-free claims, urn:uuid fullUrls rewritten, conditional
// references resolved in the transaction, DELETE/POST/PUT order, the referral workflow's hooks.
//
//   auto planned = plan_transaction(std::move(document));   // any thread: validation, plan
//   if (!planned.plan) … planned.problems …
//   writes.submit([&](WriteTransaction& tx) { run_planned_transaction(tx, *planned.plan, hooks); }, …);

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fhir/json.hpp"
#include "fhir/outcome.hpp"
#include "gateway/rest/workflow_hooks.hpp"
#include "gateway/storage/resource_store.hpp"

namespace socialrx::gateway::rest {

struct PlannedTransaction;  // bundle_interaction.cpp

struct TransactionPlan {
  std::shared_ptr<PlannedTransaction> plan;  // null when `problems` has errors
  fhir::Issues problems;                     // paths like "Bundle.entry[2].request"
};

// Validates `bundle` against FHIR R4 (fhir/), checks it is a transaction Bundle with at least
// one entry, and plans its entries. Without client scopes: the caller decided the writes are
// allowed. A plan runs once (its entries get their ids and results when run).
TransactionPlan plan_transaction(fhir::json::Document bundle);

struct TransactionEntryResult {
  std::string type;
  std::string id;
  std::string status;        // "201 Created", "200 OK", "204 No Content"
  std::int64_t version = 0;  // 0 when nothing is stored (deleted, GET)
};

// Inside a write job. Throws as the REST path's job does (WriteRefused, VersionConflict,
// storage::DatabaseError); the caller's savepoint decides what is undone.
std::vector<TransactionEntryResult> run_planned_transaction(storage::WriteTransaction& transaction,
                                                            PlannedTransaction& plan, WorkflowHooks& hooks);

}  // namespace socialrx::gateway::rest
