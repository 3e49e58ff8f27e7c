#pragma once
// Binary columns (BLOB on SQLite, BYTEA on PostgreSQL) through a storage layer that binds and
// returns text only. SQLite stores the bound bytes unchanged as a BLOB (CAST of text to BLOB in a
// UTF-8 database copies the bytes) and returns a BLOB as its bytes; PostgreSQL's TEXT cannot
// hold bytes that are not UTF-8 (CP932, ISO-2022-JP messages), so they travel as hex.

#include <string>
#include <string_view>

#include "gateway/storage/database.hpp"

namespace socialrx::gateway::storage {

// The placeholder for a binary value: "CAST(? AS BLOB)" or "decode(?, 'hex')".
std::string blob_parameter(Backend backend);
// The value to bind to it.
SqlValue blob_value(Backend backend, std::string_view bytes);
// A binary column in a select list (hex on PostgreSQL).
std::string blob_column(Backend backend, std::string_view column);
// The bytes of a value selected with blob_column().
std::string blob_bytes(Backend backend, const SqlValue& value);

}  // namespace socialrx::gateway::storage
