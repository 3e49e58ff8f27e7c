#pragma once
// Versioned FHIR resources in the database: every write adds a version (history), the current
// version is kept apart for reads, deletes are versions with deleted = true. Search index rows
// and unique claims (race-free conditional create) are written in the same transaction.
//
// Tables (migration 1): resources (current), resource_versions (history, seq = global order of
// writes), search_index, unique_claims, schema_migrations.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/storage/database.hpp"

namespace socialrx::gateway::storage {

struct StoredResource {
  std::string type;
  std::string id;
  std::int64_t version = 0;       // 1, 2, 3… per resource
  std::int64_t seq = 0;           // global, strictly increasing with every write (all resources)
  std::int64_t last_updated_ms = 0;  // Unix epoch milliseconds, UTC
  bool deleted = false;
  std::string body;               // the resource JSON as served (meta.versionId/lastUpdated set); empty when deleted
};

// One version a write job wrote, without its body (WriteQueueOptions::after_job).
struct WrittenVersion {
  std::string type;
  std::string id;
  std::int64_t version = 0;
  std::int64_t last_updated_ms = 0;
  bool deleted = false;
};

// What the writer knows when a version is written, so the caller can render the final body.
struct VersionStamp {
  std::int64_t version;
  std::int64_t last_updated_ms;
};

// One row of the search index for the current version of a resource.
struct IndexRow {
  std::string param;         // search parameter name, e.g. "identifier", "subject", "authored"
  std::string system;        // token: the system (may be empty); otherwise empty
  std::string value;         // token code, normalized string, or reference "Type/id"
  std::optional<std::int64_t> low;   // date: start of the period in epoch ms (inclusive)
  std::optional<std::int64_t> high;  // date: end of the period in epoch ms (inclusive)
};

// Thrown by write_version when expected_version does not match (If-Match) → 412, or when another
// node changed the resource concurrently.
struct VersionConflict : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Valid only inside a WriteQueue job; all its writes commit together or not at all.
class WriteTransaction {
 public:
  virtual ~WriteTransaction() = default;
  virtual Connection& connection() = 0;  // for queries inside the transaction (search)

  virtual std::optional<StoredResource> current(std::string_view type, std::string_view id) = 0;
  // Writes the next version of type/id. render(stamp) returns the body to store (ignored when
  // deleted). If expected_version is set and differs from the current version (0 = must not
  // exist), throws VersionConflict. Returns what was stored.
  virtual StoredResource write_version(std::string_view type, std::string_view id, bool deleted,
                                       const std::function<std::string(const VersionStamp&)>& render,
                                       std::optional<std::int64_t> expected_version = std::nullopt) = 0;
  // Replaces all index rows of type/id (none when deleted).
  virtual void replace_index(std::string_view type, std::string_view id,
                             const std::vector<IndexRow>& rows) = 0;
  // Claims (scope, key) for type/id, e.g. ("Patient?identifier", "sys|123"). Returns false, with
  // nothing written, when someone holds it already; *holder then names "Type/id" of the holder.
  virtual bool claim(std::string_view scope, std::string_view key, std::string_view type,
                     std::string_view id, std::string* holder = nullptr) = 0;
};

class ResourceStore {
 public:
  explicit ResourceStore(Database& database) : database_(database) {}

  std::optional<StoredResource> read(std::string_view type, std::string_view id);
  std::optional<StoredResource> vread(std::string_view type, std::string_view id,
                                      std::int64_t version);

  struct HistoryQuery {
    std::string type;                 // empty: whole system
    std::string id;                   // empty: whole type
    std::optional<std::int64_t> since_ms;  // _since (inclusive)
    std::optional<std::int64_t> before_seq;  // paging cursor: versions with seq < before_seq
    std::size_t count = 50;
  };
  // Newest first (by seq).
  std::vector<StoredResource> history(const HistoryQuery& query);

  Database& database() { return database_; }

 private:
  Database& database_;
};

}  // namespace socialrx::gateway::storage
