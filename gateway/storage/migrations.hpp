#pragma once
// Versioned schema migrations, one list per backend (same tables, each backend's types).

#include "gateway/storage/database.hpp"

namespace socialrx::gateway::storage {

// The newest schema version this build knows.
int latest_schema_version();

// Brings the schema to the latest version in one transaction and returns it. Idempotent; safe
// when several processes start at once (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory
// transaction lock). Throws when the database is newer than this build.
int migrate(Connection& connection);

}  // namespace socialrx::gateway::storage
