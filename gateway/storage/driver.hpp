#pragma once
// Connections to each backend (internal to gateway/storage).
//
// Sessions are opened through Poco::Data (connectors, connection strings), but statements run on
// the session's native handle (sqlite3*, PGconn*), measured against Poco's Statement/RecordSet:
//   - SQLite: Poco's RecordSet types a column by its declared type, so computed columns
//     (COUNT(*), CAST(… AS INTEGER)) come back as text; sqlite3_column_type gives the real type.
//   - PostgreSQL: Poco prepares, describes, executes and deallocates every statement (four round
//     trips, ~160 µs for a read by primary key on loopback); a cached prepared statement is one.
//   - Poco's PostgreSQL exception text quotes the statement and DETAIL (the bound values of a
//     violated key); errors here are built from the SQLSTATE instead, see DatabaseError.
// Each connection keeps a bounded cache of prepared statements keyed by SQL text.

#include <memory>
#include <string>

#include "gateway/storage/database.hpp"

namespace socialrx::gateway::storage {

class DriverConnection : public Connection {
 public:
  // Makes a connection that comes back to a pool usable again: rolls back a transaction left
  // open. Returns false when the connection is broken and should be dropped.
  virtual bool recycle() noexcept = 0;
  // Before a write transaction: reconnects a PostgreSQL connection the server dropped.
  virtual void ensure_connected() = 0;
};

// Opens the SQLite database file (creating it) with the pragmas the store relies on:
// WAL journal, synchronous=FULL, busy timeout.
std::unique_ptr<DriverConnection> open_sqlite(const std::string& path);
// The same for the process's one writing connection: a larger page cache, and the log's
// checkpoints handed to a thread of their own (sqlite_checkpointer.hpp).
std::unique_ptr<DriverConnection> open_sqlite_writer(const std::string& path);

// `conninfo` in libpq keyword form as Poco accepts it (see postgresql_conninfo()).
std::unique_ptr<DriverConnection> open_postgresql(const std::string& conninfo);

// Converts a libpq keyword string or a postgresql:// URL into the keyword form Poco's connector
// parses (it splits on spaces and does not understand quoting or URLs). Throws
// std::invalid_argument (naming the parameter, never its value) on what cannot be expressed.
std::string postgresql_conninfo(const std::string& url_or_keywords);

// Registers Poco's SQLite and PostgreSQL connectors once per process.
void register_connectors();

}  // namespace socialrx::gateway::storage
