#pragma once
// The database behind the gateway: one schema, two backends through Poco::Data.
//   SQLite (WAL) in the data directory: the embedded default, one node.
//   PostgreSQL: several nodes on one server.
// SQL is written once with '?' placeholders; Connection translates them for PostgreSQL ($1, $2…).
// Migrations are versioned and applied at start-up (schema_migrations records them).

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace socialrx::gateway::storage {

enum class Backend { sqlite, postgresql };

struct DatabaseOptions {
  Backend backend = Backend::sqlite;
  std::string sqlite_path;     // e.g. "<data>/socialrx.db"
  std::string postgresql_url;  // libpq form: "host=127.0.0.1 port=5433 dbname=socialrx user=socialrx"
                               // or a URL: "postgresql://user@127.0.0.1:5433/socialrx"
  std::size_t read_connections = 8;  // pooled sessions for reads (any thread)
};

using SqlValue = std::variant<std::nullptr_t, std::int64_t, std::string>;
using SqlRow = std::vector<SqlValue>;

// Thrown for database failures on message paths; callers turn it into a 500 / transient outcome
// without leaking SQL. `constraint_violation` is set for unique/primary-key violations.
struct DatabaseError : std::runtime_error {
  DatabaseError(const std::string& what, bool constraint_violation)
      : std::runtime_error(what), constraint_violation(constraint_violation) {}
  bool constraint_violation;
};

// One session; not thread-safe. Obtained from Database (reads) or inside a WriteTransaction.
class Connection {
 public:
  virtual ~Connection() = default;
  virtual Backend backend() const = 0;
  // Runs a statement with '?' placeholders bound in order; returns the number of rows affected.
  virtual std::int64_t execute(std::string_view sql, std::span<const SqlValue> params = {}) = 0;
  // Runs a query; every column comes back as NULL, integer or text (cast in SQL where needed).
  virtual std::vector<SqlRow> query(std::string_view sql, std::span<const SqlValue> params = {}) = 0;
};

class Database {
 public:
  // Opens (creating the SQLite file if needed) and migrates to the latest schema version.
  // Throws at start-up on failure, with a message naming the backend and what went wrong.
  static std::unique_ptr<Database> open(const DatabaseOptions& options);
  virtual ~Database() = default;

  virtual Backend backend() const = 0;
  virtual int schema_version() const = 0;
  // A pooled connection for reads; returned to the pool when the pointer dies.
  virtual std::shared_ptr<Connection> reader() = 0;
  // A dedicated connection for the single writer thread (WriteQueue).
  virtual std::unique_ptr<Connection> writer() = 0;
};

}  // namespace socialrx::gateway::storage
