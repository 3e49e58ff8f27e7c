#include "gateway/storage/migrations.hpp"

#include <chrono>
#include <stdexcept>
#include <vector>

namespace socialrx::gateway::storage {

namespace {

struct Migration {
  int version;
  std::vector<const char*> sqlite;
  std::vector<const char*> postgresql;
};

// Never edit a migration that has shipped: add the next one.
// Text columns on PostgreSQL use the "C" collation, so that comparisons, ORDER BY and LIKE
// prefixes behave as SQLite's (bytewise) and btree indexes serve prefix searches.
const std::vector<Migration>& migrations() {
  static const std::vector<Migration> all{
      {1,
       {
           // Current version of each resource (reads, conditional logic).
           R"(CREATE TABLE resources (
                resource_type TEXT NOT NULL,
                id TEXT NOT NULL,
                version INTEGER NOT NULL,
                seq INTEGER NOT NULL,
                last_updated_ms INTEGER NOT NULL,
                deleted INTEGER NOT NULL,
                body TEXT NOT NULL,
                PRIMARY KEY (resource_type, id)))",
           // Every version (history, vread); seq orders all writes and is never reused.
           R"(CREATE TABLE resource_versions (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                resource_type TEXT NOT NULL,
                id TEXT NOT NULL,
                version INTEGER NOT NULL,
                last_updated_ms INTEGER NOT NULL,
                deleted INTEGER NOT NULL,
                body TEXT NOT NULL,
                UNIQUE (resource_type, id, version)))",
           "CREATE INDEX resource_versions_instance ON resource_versions (resource_type, id, seq)",
           "CREATE INDEX resource_versions_type ON resource_versions (resource_type, seq)",
           "CREATE INDEX resource_versions_updated ON resource_versions (last_updated_ms)",
           R"(CREATE TABLE search_index (
                resource_type TEXT NOT NULL,
                resource_id TEXT NOT NULL,
                param TEXT NOT NULL,
                system TEXT NOT NULL,
                value TEXT NOT NULL,
                low INTEGER,
                high INTEGER))",
           "CREATE INDEX search_index_value ON search_index (resource_type, param, value)",
           "CREATE INDEX search_index_range ON search_index (resource_type, param, low, high)",
           "CREATE INDEX search_index_resource ON search_index (resource_type, resource_id)",
           // Race-free conditional create: the primary key decides who holds (scope, key).
           R"(CREATE TABLE unique_claims (
                scope TEXT NOT NULL,
                claim_key TEXT NOT NULL,
                resource_type TEXT NOT NULL,
                resource_id TEXT NOT NULL,
                PRIMARY KEY (scope, claim_key)))",
       },
       {
           R"(CREATE TABLE resources (
                resource_type TEXT COLLATE "C" NOT NULL,
                id TEXT COLLATE "C" NOT NULL,
                version BIGINT NOT NULL,
                seq BIGINT NOT NULL,
                last_updated_ms BIGINT NOT NULL,
                deleted SMALLINT NOT NULL,
                body TEXT NOT NULL,
                PRIMARY KEY (resource_type, id)))",
           R"(CREATE TABLE resource_versions (
                seq BIGSERIAL PRIMARY KEY,
                resource_type TEXT COLLATE "C" NOT NULL,
                id TEXT COLLATE "C" NOT NULL,
                version BIGINT NOT NULL,
                last_updated_ms BIGINT NOT NULL,
                deleted SMALLINT NOT NULL,
                body TEXT NOT NULL,
                UNIQUE (resource_type, id, version)))",
           "CREATE INDEX resource_versions_instance ON resource_versions (resource_type, id, seq)",
           "CREATE INDEX resource_versions_type ON resource_versions (resource_type, seq)",
           "CREATE INDEX resource_versions_updated ON resource_versions (last_updated_ms)",
           R"(CREATE TABLE search_index (
                resource_type TEXT COLLATE "C" NOT NULL,
                resource_id TEXT COLLATE "C" NOT NULL,
                param TEXT COLLATE "C" NOT NULL,
                system TEXT COLLATE "C" NOT NULL,
                value TEXT COLLATE "C" NOT NULL,
                low BIGINT,
                high BIGINT))",
           "CREATE INDEX search_index_value ON search_index (resource_type, param, value)",
           "CREATE INDEX search_index_range ON search_index (resource_type, param, low, high)",
           "CREATE INDEX search_index_resource ON search_index (resource_type, resource_id)",
           R"(CREATE TABLE unique_claims (
                scope TEXT COLLATE "C" NOT NULL,
                claim_key TEXT COLLATE "C" NOT NULL,
                resource_type TEXT COLLATE "C" NOT NULL,
                resource_id TEXT COLLATE "C" NOT NULL,
                PRIMARY KEY (scope, claim_key)))",
       }},
      // 2: resource_versions_instance (resource_type, id, seq) duplicated what
      // UNIQUE (resource_type, id, version) already orders the same way (a resource's versions
      // and seqs grow together), and it cost a b-tree insert at a random place for every write
      // (ids are random): one page more in the WAL per resource of a group commit.
      // Instance history and vread use the unique index.
      {2,
       {
           "DROP INDEX resource_versions_instance",
       },
       {
           "DROP INDEX resource_versions_instance",
       }},
      // 3: the outbox (gateway/outbox): every outgoing delivery, committed with the writes that
      // caused it and delivered by the DeliveryWorker. state: pending | delivered | dead.
      // last_error holds a status and a short reason, never a body (no personal data).
      {3,
       {
           R"(CREATE TABLE outbox (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                destination TEXT NOT NULL,
                transport TEXT NOT NULL,
                method TEXT NOT NULL,
                path TEXT NOT NULL,
                body TEXT NOT NULL,
                content_type TEXT NOT NULL,
                idempotency_key TEXT NOT NULL UNIQUE,
                ordering_key TEXT NOT NULL,
                state TEXT NOT NULL,
                attempts INTEGER NOT NULL,
                next_attempt_ms INTEGER NOT NULL,
                last_attempt_ms INTEGER,
                last_error TEXT NOT NULL,
                last_status INTEGER,
                created_ms INTEGER NOT NULL,
                delivered_ms INTEGER))",
           // "What is due": pending messages by next attempt.
           "CREATE INDEX outbox_due ON outbox (state, next_attempt_ms)",
           // "Is an older message of this ordering key still undelivered?"
           "CREATE INDEX outbox_ordering ON outbox (ordering_key, id)",
       },
       {
           R"(CREATE TABLE outbox (
                id BIGSERIAL PRIMARY KEY,
                destination TEXT COLLATE "C" NOT NULL,
                transport TEXT COLLATE "C" NOT NULL,
                method TEXT COLLATE "C" NOT NULL,
                path TEXT COLLATE "C" NOT NULL,
                body TEXT NOT NULL,
                content_type TEXT COLLATE "C" NOT NULL,
                idempotency_key TEXT COLLATE "C" NOT NULL UNIQUE,
                ordering_key TEXT COLLATE "C" NOT NULL,
                state TEXT COLLATE "C" NOT NULL,
                attempts BIGINT NOT NULL,
                next_attempt_ms BIGINT NOT NULL,
                last_attempt_ms BIGINT,
                last_error TEXT NOT NULL,
                last_status BIGINT,
                created_ms BIGINT NOT NULL,
                delivered_ms BIGINT))",
           "CREATE INDEX outbox_due ON outbox (state, next_attempt_ms)",
           "CREATE INDEX outbox_ordering ON outbox (ordering_key, id)",
       }},
      // 4: the inbound message store (gateway/ingest): every message a source hands over, raw
      // bytes as received, committed before any acknowledgement. state: received | processed |
      // error; disposition: accepted | data_error | rejected (what the reply said); outcome: the
      // OperationOutcome JSON; ack: the reply bytes sent back (a duplicate gets them again).
      // UNIQUE (channel, sender, message_id): a resent message is found by the database (INSERT …
      // ON CONFLICT DO NOTHING), not by search-then-insert; message_id is NULL when the format has
      // none, and NULLs never conflict.
      {4,
       {
           R"(CREATE TABLE inbound_messages (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                channel TEXT NOT NULL,
                sender TEXT NOT NULL,
                message_id TEXT,
                received_ms INTEGER NOT NULL,
                peer TEXT NOT NULL,
                charset TEXT NOT NULL,
                message_type TEXT NOT NULL,
                raw BLOB NOT NULL,
                state TEXT NOT NULL,
                disposition TEXT NOT NULL,
                outcome TEXT NOT NULL,
                ack BLOB NOT NULL,
                processed_ms INTEGER,
                attempts INTEGER NOT NULL,
                UNIQUE (channel, sender, message_id)))",
           "CREATE INDEX inbound_messages_state ON inbound_messages (state, received_ms)",
           "CREATE INDEX inbound_messages_channel ON inbound_messages (channel, received_ms)",
           "CREATE INDEX inbound_messages_processed ON inbound_messages (state, processed_ms)",
       },
       {
           R"(CREATE TABLE inbound_messages (
                id BIGSERIAL PRIMARY KEY,
                channel TEXT COLLATE "C" NOT NULL,
                sender TEXT COLLATE "C" NOT NULL,
                message_id TEXT COLLATE "C",
                received_ms BIGINT NOT NULL,
                peer TEXT COLLATE "C" NOT NULL,
                charset TEXT COLLATE "C" NOT NULL,
                message_type TEXT COLLATE "C" NOT NULL,
                raw BYTEA NOT NULL,
                state TEXT COLLATE "C" NOT NULL,
                disposition TEXT COLLATE "C" NOT NULL,
                outcome TEXT NOT NULL,
                ack BYTEA NOT NULL,
                processed_ms BIGINT,
                attempts BIGINT NOT NULL,
                UNIQUE (channel, sender, message_id)))",
           "CREATE INDEX inbound_messages_state ON inbound_messages (state, received_ms)",
           "CREATE INDEX inbound_messages_channel ON inbound_messages (channel, received_ms)",
           "CREATE INDEX inbound_messages_processed ON inbound_messages (state, processed_ms)",
       }},
      // 5: search_index_range only for the rows that have a range (dates). Token, string and
      // reference rows (all but a few) have low = high = NULL, and every such row still cost an
      // index entry at the end of its (type, param) group: one more dirty page per parameter in
      // each group commit, for an index no query uses with NULLs. Date searches say
      // `low IS NOT NULL` so that the planner may use the partial index (search_executor.cpp).
      {5,
       {
           "DROP INDEX search_index_range",
           "CREATE INDEX search_index_range ON search_index (resource_type, param, low, high) "
           "WHERE low IS NOT NULL",
       },
       {
           "DROP INDEX search_index_range",
           "CREATE INDEX search_index_range ON search_index (resource_type, param, low, high) "
           "WHERE low IS NOT NULL",
       }},
      // 6: outbox bodies are bytes (gateway/storage/blob_sql.hpp): an HL7 v2 message forwarded
      // as received is CP932 or ISO-2022-JP, which PostgreSQL's TEXT cannot hold. SQLite's TEXT
      // column stores a bound BLOB unchanged already (no change); existing bodies were UTF-8.
      {6,
       {},
       {
           "ALTER TABLE outbox ALTER COLUMN body TYPE BYTEA USING convert_to(body, 'UTF8')",
       }},
  };
  return all;
}

// pg_advisory_xact_lock key: "socialrx" in ASCII.
constexpr std::int64_t kMigrationLock = 0x736f6369616c7278;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

int latest_schema_version() { return migrations().back().version; }

int migrate(Connection& connection) {
  const bool sqlite = connection.backend() == Backend::sqlite;
  const char* backend_name = sqlite ? "sqlite" : "postgresql";
  // SQLite: BEGIN IMMEDIATE takes the write lock before reading the version, so two processes
  // cannot both decide to apply the same migration. PostgreSQL: DDL is transactional, and the
  // advisory lock serializes nodes starting at once (CREATE TABLE IF NOT EXISTS alone races).
  connection.execute(sqlite ? "BEGIN IMMEDIATE" : "BEGIN");
  try {
    if (!sqlite) {
      const SqlValue lock[] = {kMigrationLock};
      connection.query("SELECT pg_advisory_xact_lock(?)", lock);
    }
    connection.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "version INTEGER PRIMARY KEY, "
        "applied_at BIGINT NOT NULL)");  // Unix epoch milliseconds
    const auto rows = connection.query("SELECT CAST(COALESCE(MAX(version), 0) AS INTEGER) FROM schema_migrations");
    int version = static_cast<int>(std::get<std::int64_t>(rows.at(0).at(0)));
    if (version > latest_schema_version()) {
      throw std::runtime_error(std::string(backend_name) + ": the database has schema version " +
                               std::to_string(version) + ", newer than this build's " +
                               std::to_string(latest_schema_version()));
    }
    for (const auto& migration : migrations()) {
      if (migration.version <= version) continue;
      for (const char* statement : sqlite ? migration.sqlite : migration.postgresql) {
        connection.execute(statement);
      }
      const SqlValue values[] = {std::int64_t{migration.version}, now_ms()};
      connection.execute("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                         values);
      version = migration.version;
    }
    connection.execute("COMMIT");
    return version;
  } catch (...) {
    try {
      connection.execute("ROLLBACK");
    } catch (...) {
    }
    throw;
  }
}

}  // namespace socialrx::gateway::storage
