// SQLite connections: a Poco::Data session, statements on its sqlite3 handle (see driver.hpp).

#include <sqlite3.h>

#include <Poco/Data/SQLite/Utility.h>
#include <Poco/Data/Session.h>
#include <Poco/Exception.h>

#include <chrono>
#include <filesystem>
#include <thread>
#include <unordered_map>

#include "gateway/storage/driver.hpp"
#include "gateway/storage/sql_dialect.hpp"
#include "gateway/storage/sqlite_checkpointer.hpp"
#include "gateway/storage/sqlite_wal_buffer.hpp"

namespace socialrx::gateway::storage {

namespace {

constexpr std::size_t kStatementCacheSize = 256;

class SqliteConnection final : public DriverConnection {
 public:
  explicit SqliteConnection(const std::string& path)
      // Poco retries a failed open for the login timeout (60 s by default); opening a file
      // that cannot be opened does not get better by waiting.
      : session_("SQLite", path, 5), db_(Poco::Data::SQLite::Utility::dbHandle(session_)) {
    sqlite3_extended_result_codes(db_, 1);
  }

  ~SqliteConnection() override {
    if (checkpointer_) sqlite3_wal_hook(db_, nullptr, nullptr);
    // Statements must be finalized before Poco closes the handle.
    for (auto& [sql, statement] : cache_) sqlite3_finalize(statement);
  }

  // Separate from the constructor so that the destructor finalizes statements if it throws.
  void configure() {
    // The single writer of each process holds the write lock only for a batch; other processes
    // on the same file (tools, a second Database in tests) wait instead of failing at once.
    // First: switching to WAL below waits for the locks of other connections too.
    execute("PRAGMA busy_timeout = 10000", {});
    // WAL: readers never block the writer nor the writer the readers, and a commit is one
    // append (and one fsync) to the log instead of rewriting pages in place.
    // The mode is stored in the file; only the first open switches it. That switch needs an
    // exclusive lock and SQLite may report SQLITE_BUSY without calling the busy handler when
    // several processes create the database at once, hence the retries.
    auto is_wal = [](const std::vector<SqlRow>& rows) {
      return !rows.empty() && std::holds_alternative<std::string>(rows[0][0]) &&
             std::get<std::string>(rows[0][0]) == "wal";
    };
    if (!is_wal(query("PRAGMA journal_mode", {}))) {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      for (;;) {
        try {
          if (!is_wal(query("PRAGMA journal_mode = WAL", {}))) {
            throw DatabaseError("sqlite: the database cannot use WAL journal mode", false);
          }
          break;
        } catch (const DatabaseError&) {
          const int code = sqlite3_errcode(db_) & 0xff;
          if ((code != SQLITE_BUSY && code != SQLITE_LOCKED) ||
              std::chrono::steady_clock::now() > deadline) {
            throw;
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
      }
    }
    // FULL, not NORMAL: in WAL mode NORMAL does not fsync the log at each commit, so a
    // transaction acknowledged to a client could be lost on power failure or an OS crash (it
    // only survives a process crash). The write queue acknowledges after COMMIT returns, and
    // group commit pays the one fsync for a whole batch, so FULL costs little throughput.
    execute("PRAGMA synchronous = FULL", {});
    // The WAL write buffer (sqlite_wal_buffer.cpp) is safe only while every commit syncs.
    const auto synchronous = query("PRAGMA synchronous", {});
    if (synchronous.empty() || synchronous[0][0] != SqlValue(std::int64_t{2})) {
      throw DatabaseError("sqlite: synchronous = FULL could not be set", false);
    }
    // The checkpoint runs on the committing thread (the writer) once the log holds this many
    // pages, and copies into the database file the latest copy of each page it holds. Ids are
    // random, so every group commit rewrites tens of index pages spread over the file; with
    // SQLite's default (1,000 pages ≈ 4 MB) a checkpoint came every few commits and wrote
    // nearly every page it had just logged. At 4,000 pages (≈ 16 MB of log, reused once
    // checkpointed) a page rewritten by several commits goes to the file once. Durability is
    // unchanged: a commit is durable when its log frames are synced (synchronous = FULL).
    execute("PRAGMA wal_autocheckpoint = 4000", {});
    execute("PRAGMA foreign_keys = ON", {});
    execute("PRAGMA temp_store = MEMORY", {});
  }

  // The process's one writing connection (Database::writer()).
  void become_writer(const std::string& path) {
    // The writer walks the index b-trees at random places for every resource it writes (names,
    // identifiers); with SQLite's default 2 MB page cache most of those pages came from the
    // kernel again (a tenth of its time in pread under ingest load). Readers keep the default:
    // there are several, and the idle memory budget is small.
    execute("PRAGMA cache_size = -32768", {});  // KiB
    checkpointer_ = std::make_unique<SqliteCheckpointer>(path);
    // Replaces SQLite's automatic checkpoint (wal_autocheckpoint) on this connection.
    sqlite3_wal_hook(db_, &SqliteConnection::after_commit, this);
  }

  Backend backend() const override { return Backend::sqlite; }

  std::int64_t execute(std::string_view sql, std::span<const SqlValue> params) override {
    run(sql, params, nullptr);
    return sqlite3_changes64(db_);
  }

  std::vector<SqlRow> query(std::string_view sql, std::span<const SqlValue> params) override {
    std::vector<SqlRow> rows;
    run(sql, params, &rows);
    return rows;
  }

  bool recycle() noexcept override {
    if (sqlite3_get_autocommit(db_)) return true;
    return sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr) == SQLITE_OK;
  }

  void ensure_connected() override {}

 private:
  [[noreturn]] void fail(std::string_view sql, int code) const {
    // sqlite3_errmsg names tables, columns and constraints, never bound values.
    const bool constraint = code == SQLITE_CONSTRAINT_UNIQUE ||
                            code == SQLITE_CONSTRAINT_PRIMARYKEY ||
                            code == SQLITE_CONSTRAINT_ROWID;
    throw DatabaseError("sqlite: " + statement_verb(sql) + " failed: " + sqlite3_errmsg(db_) +
                            " (code " + std::to_string(code) + ")",
                        constraint);
  }

  sqlite3_stmt* prepare(std::string_view sql) {
    const std::string key(sql);
    if (auto found = cache_.find(key); found != cache_.end()) return found->second;
    if (cache_.size() >= kStatementCacheSize) {
      for (auto& [text, statement] : cache_) sqlite3_finalize(statement);
      cache_.clear();
    }
    sqlite3_stmt* statement = nullptr;
    const int rc = sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()),
                                      SQLITE_PREPARE_PERSISTENT, &statement, nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(statement);
      fail(sql, rc);
    }
    if (statement == nullptr) throw DatabaseError("sqlite: empty statement", false);
    cache_.emplace(key, statement);
    return statement;
  }

  void run(std::string_view sql, std::span<const SqlValue> params, std::vector<SqlRow>* rows) {
    sqlite3_stmt* statement = prepare(sql);
    // Unbinds and resets on every way out: a statement left active would hold a read snapshot
    // (pinning the WAL) and the bindings point into the caller's values.
    struct Reset {
      sqlite3_stmt* statement;
      ~Reset() {
        sqlite3_reset(statement);
        sqlite3_clear_bindings(statement);
      }
    } reset{statement};

    const int expected = sqlite3_bind_parameter_count(statement);
    if (static_cast<std::size_t>(expected) != params.size()) {
      throw DatabaseError("sqlite: " + statement_verb(sql) + " failed: " +
                              std::to_string(params.size()) + " parameters for " +
                              std::to_string(expected) + " placeholders",
                          false);
    }
    for (std::size_t i = 0; i < params.size(); ++i) {
      const int index = static_cast<int>(i) + 1;
      int rc = SQLITE_OK;
      if (const auto* integer = std::get_if<std::int64_t>(&params[i])) {
        rc = sqlite3_bind_int64(statement, index, *integer);
      } else if (const auto* text = std::get_if<std::string>(&params[i])) {
        rc = sqlite3_bind_text64(statement, index, text->data(), text->size(), SQLITE_STATIC,
                                 SQLITE_UTF8);
      } else {
        rc = sqlite3_bind_null(statement, index);
      }
      if (rc != SQLITE_OK) fail(sql, rc);
    }

    for (;;) {
      const int rc = sqlite3_step(statement);
      if (rc == SQLITE_DONE) return;
      if (rc != SQLITE_ROW) fail(sql, rc);
      if (rows == nullptr) continue;
      const int columns = sqlite3_column_count(statement);
      SqlRow& row = rows->emplace_back();
      row.reserve(static_cast<std::size_t>(columns));
      for (int c = 0; c < columns; ++c) {
        switch (sqlite3_column_type(statement, c)) {
          case SQLITE_NULL:
            row.emplace_back(nullptr);
            break;
          case SQLITE_INTEGER:
            row.emplace_back(static_cast<std::int64_t>(sqlite3_column_int64(statement, c)));
            break;
          case SQLITE_BLOB: {
            const void* data = sqlite3_column_blob(statement, c);
            const int size = sqlite3_column_bytes(statement, c);
            row.emplace_back(std::string(static_cast<const char*>(data),
                                         static_cast<std::size_t>(size)));
            break;
          }
          default: {  // TEXT, and FLOAT as its text
            const auto* data = sqlite3_column_text(statement, c);
            const int size = sqlite3_column_bytes(statement, c);
            row.emplace_back(std::string(reinterpret_cast<const char*>(data),
                                         static_cast<std::size_t>(size)));
            break;
          }
        }
      }
    }
  }

  static int after_commit(void* self, sqlite3* db, const char*, int pages) {
    static_cast<SqliteConnection*>(self)->checkpointer_->log_length(pages);
    if (pages >= SqliteCheckpointer::kWriterCheckpointPages) {
      // The background checkpoints have not kept up (a long reader, a slow disk): do it here,
      // as SQLite's own automatic checkpoint would, so that the log stays bounded.
      sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    }
    return SQLITE_OK;
  }

  Poco::Data::Session session_;
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
  // Declared last: stopped (and its connection closed) before the statements and the session.
  std::unique_ptr<SqliteCheckpointer> checkpointer_;
};

std::unique_ptr<SqliteConnection> open_connection(const std::string& path) {
  register_connectors();
  install_sqlite_wal_buffer();
  const std::filesystem::path file(path);
  if (file.has_parent_path()) {
    std::error_code ignored;
    std::filesystem::create_directories(file.parent_path(), ignored);
  }
  try {
    auto connection = std::make_unique<SqliteConnection>(path);
    connection->configure();
    return connection;
  } catch (const DatabaseError&) {
    throw;
  } catch (const Poco::Exception& error) {
    throw DatabaseError("sqlite: cannot open " + path + ": " + error.displayText(), false);
  }
}

}  // namespace

std::unique_ptr<DriverConnection> open_sqlite(const std::string& path) { return open_connection(path); }

std::unique_ptr<DriverConnection> open_sqlite_writer(const std::string& path) {
  auto connection = open_connection(path);
  connection->become_writer(path);
  return connection;
}

}  // namespace socialrx::gateway::storage
