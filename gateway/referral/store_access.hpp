#pragma once
// What the workflow reads and writes inside the write job it runs in: current resources by
// reference, searches, and the resources the platform writes itself (validated like a client's).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fhir/json.hpp"
#include "gateway/storage/resource_store.hpp"

namespace socialrx::gateway::referral {

// The current version of "Type/id", parsed; nullopt when it does not exist or is deleted.
struct LoadedResource {
  std::string key;  // "Type/id"
  std::int64_t version = 0;
  fhir::json::Document document;
  const fhir::json::Value& root() const { return document.root(); }
};
std::optional<LoadedResource> load(storage::WriteTransaction& transaction, std::string_view key);
// The same outside a write job, on a read connection (the read gate).
std::optional<LoadedResource> load(storage::Connection& connection, std::string_view key);

// Ids of current resources of `type` matching a search query ("focus=ServiceRequest/1&status=on-hold").
std::vector<std::string> find_ids(storage::WriteTransaction& transaction, std::string_view type,
                                  std::string_view query, std::size_t limit = 200);
std::vector<std::string> find_ids(storage::Connection& connection, std::string_view type, std::string_view query,
                                  std::size_t limit = 200);

// Writes a resource the platform built as the next version of type/id (version 1 when new).
// It is validated by fhir/ first: an invalid one is a bug in socialrx, and the whole job is rolled
// back rather than storing it.
storage::StoredResource write_platform_resource(storage::WriteTransaction& transaction,
                                                const fhir::json::Value& resource, std::string_view type,
                                                std::string_view id);

// "Organization/<id>" for what the configuration names: "Organization/<id>" as is, or
// "system|value" looked up by identifier (empty when no Organization has it).
std::string resolve_organization(storage::WriteTransaction& transaction, std::string_view configured);
std::string resolve_organization(storage::Connection& connection, std::string_view configured);

// The current time as an instant ("2026-12-02T05:10:00.123Z") and in epoch milliseconds.
std::int64_t now_ms();
std::string now_instant();

}  // namespace socialrx::gateway::referral
