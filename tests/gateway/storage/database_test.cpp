// Database: opening, migrations, the Connection contract (types, placeholders, errors), the
// PostgreSQL connection setting and the reader pool, on both backends.

#include "gateway/storage/database.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "gateway/storage/driver.hpp"
#include "gateway/outbox/outbox.hpp"
#include "gateway/storage/migrations.hpp"
#include "tests/gateway/storage/storage_test_support.hpp"

namespace socialrx::gateway::storage {
namespace {

using testing::BackendTest;

class DatabaseTest : public BackendTest {};
SOCIALRX_INSTANTIATE_BACKENDS(DatabaseTest);

TEST_P(DatabaseTest, MigratesOnceAndReopensIdempotently) {
  EXPECT_EQ(database_->backend(), GetParam());
  EXPECT_EQ(database_->schema_version(), latest_schema_version());
  EXPECT_EQ(database_->schema_version(), 6);
  database_.reset();
  auto again = scratch_->open();
  EXPECT_EQ(again->schema_version(), 6);
  auto third = scratch_->open();  // while another is open
  EXPECT_EQ(third->schema_version(), 6);
  const auto rows =
      again->reader()->query("SELECT version, applied_at FROM schema_migrations ORDER BY version");
  ASSERT_EQ(rows.size(), 6u);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(std::get<std::int64_t>(rows[i][0]), static_cast<std::int64_t>(i + 1));
    EXPECT_GT(std::get<std::int64_t>(rows[i][1]), 1'600'000'000'000);
  }
  for (const char* table :
       {"resources", "resource_versions", "search_index", "unique_claims", "outbox"}) {
    const auto count = again->reader()->query(std::string("SELECT COUNT(*) FROM ") + table);
    EXPECT_EQ(std::get<std::int64_t>(count.at(0).at(0)), 0) << table;
  }
}

TEST_P(DatabaseTest, NodesStartingAtOnceMigrateOnce) {
  // A fresh store opened by eight "nodes" at the same moment.
  testing::ScratchDatabase fresh(GetParam());
  std::atomic<int> go{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> nodes;
  for (int i = 0; i < 8; ++i) {
    nodes.emplace_back([&] {
      ++go;
      while (go.load() < 8) std::this_thread::yield();
      try {
        auto database = fresh.open();
        if (database->schema_version() != latest_schema_version()) ++failures;
      } catch (const std::exception& error) {
        ADD_FAILURE() << error.what();
        ++failures;
      }
    });
  }
  for (auto& node : nodes) node.join();
  EXPECT_EQ(failures.load(), 0);
  auto database = fresh.open();
  const auto rows = database->reader()->query("SELECT COUNT(*) FROM schema_migrations");
  EXPECT_EQ(std::get<std::int64_t>(rows.at(0).at(0)), latest_schema_version());
}

// Whether the index exists, on either backend.
bool has_index(Connection& connection, const std::string& name) {
  const SqlValue params[] = {name};
  const auto rows = connection.query(
      connection.backend() == Backend::sqlite
          ? "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = ?"
          : "SELECT CAST(COUNT(*) AS INTEGER) FROM pg_indexes "
            "WHERE schemaname = current_schema() AND indexname = ?",
      params);
  return std::get<std::int64_t>(rows.at(0).at(0)) != 0;
}

TEST_P(DatabaseTest, Migration2DropsTheRedundantVersionIndexOfAVersion1Database) {
  // A database as migration 1 left it: the index back, version 2 not recorded.
  {
    auto connection = database_->reader();
    EXPECT_FALSE(has_index(*connection, "resource_versions_instance"));
    connection->execute(
        "CREATE INDEX resource_versions_instance ON resource_versions (resource_type, id, seq)");
    // The later migrations undone too, so that the database is exactly at version 1.
    connection->execute("DROP TABLE outbox");
    connection->execute("DROP TABLE inbound_messages");
    connection->execute("DELETE FROM schema_migrations WHERE version >= 2");
  }
  database_.reset();
  auto upgraded = scratch_->open();
  EXPECT_EQ(upgraded->schema_version(), latest_schema_version());
  EXPECT_FALSE(has_index(*upgraded->reader(), "resource_versions_instance"));
  EXPECT_TRUE(has_index(*upgraded->reader(), "resource_versions_type"));
}

TEST_P(DatabaseTest, Migration6KeepsTheOutboxBodiesOfAVersion5Database) {
  // A pending delivery queued at version 5, when the body column was text.
  {
    auto connection = database_->reader();
    if (GetParam() == Backend::postgresql) {
      connection->execute("ALTER TABLE outbox ALTER COLUMN body TYPE TEXT USING convert_from(body, 'UTF8')");
    }
    connection->execute("DELETE FROM schema_migrations WHERE version >= 6");
    connection->execute(
        "INSERT INTO outbox (destination, transport, method, path, body, content_type, idempotency_key, "
        "ordering_key, state, attempts, next_attempt_ms, last_error, created_ms) VALUES ("
        "'https://fhir.example.jp/fhir', 'fhir-rest', 'PUT', 'Task/1', '{\"resourceType\":\"Task\",\"note\":\"相談\"}', "
        "'application/fhir+json', 'k1', '', 'pending', 0, 0, '', 0)");
  }
  database_.reset();
  auto upgraded = scratch_->open();
  EXPECT_EQ(upgraded->schema_version(), latest_schema_version());
  const auto due = outbox::due_messages(*upgraded->reader(), outbox::now_ms(), 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].message.body, R"({"resourceType":"Task","note":"相談"})");
}

TEST_P(DatabaseTest, RefusesADatabaseNewerThanTheBuild) {
  database_->reader()->execute(
      "INSERT INTO schema_migrations (version, applied_at) VALUES (99, 0)");
  database_.reset();
  try {
    scratch_->open();
    FAIL() << "opened a database with schema version 99";
  } catch (const std::exception& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find(GetParam() == Backend::sqlite ? "sqlite" : "postgresql"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("99"), std::string::npos) << message;
  }
}

TEST_P(DatabaseTest, QueryReturnsNullIntegerOrText) {
  auto connection = database_->reader();
  connection->execute("CREATE TABLE typed (i BIGINT, small INTEGER, t TEXT, n TEXT)");
  const SqlValue row[] = {std::int64_t{9'000'000'000}, std::int64_t{-7}, std::string("00123"),
                          nullptr};
  EXPECT_EQ(connection->execute("INSERT INTO typed VALUES (?, ?, ?, ?)", row), 1);
  const auto rows = connection->query(
      "SELECT i, small, t, n, COUNT(*) OVER (), CAST(t AS INTEGER), 'lit', i + 1 FROM typed");
  ASSERT_EQ(rows.size(), 1u);
  const SqlRow& r = rows[0];
  ASSERT_EQ(r.size(), 8u);
  EXPECT_EQ(std::get<std::int64_t>(r[0]), 9'000'000'000);
  EXPECT_EQ(std::get<std::int64_t>(r[1]), -7);
  EXPECT_EQ(std::get<std::string>(r[2]), "00123");  // digits in a text column stay text
  EXPECT_TRUE(std::holds_alternative<std::nullptr_t>(r[3]));
  EXPECT_EQ(std::get<std::int64_t>(r[4]), 1);  // computed columns keep their type
  EXPECT_EQ(std::get<std::int64_t>(r[5]), 123);
  EXPECT_EQ(std::get<std::string>(r[6]), "lit");
  EXPECT_EQ(std::get<std::int64_t>(r[7]), 9'000'000'001);

  // NULL and integer parameters, text with quotes, question marks and non-ASCII.
  const std::string tricky = "it's ? \"quoted\" 社会的処方 \\ end";
  const SqlValue more[] = {nullptr, std::int64_t{1}, tricky, std::string()};
  connection->execute("INSERT INTO typed VALUES (?, ?, ?, ?)", more);
  const SqlValue where[] = {tricky};
  const auto found =
      connection->query("SELECT i, small, n, '?' FROM typed WHERE t = ? AND i IS NULL", where);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<std::nullptr_t>(found[0][0]));
  EXPECT_EQ(std::get<std::int64_t>(found[0][1]), 1);
  EXPECT_EQ(std::get<std::string>(found[0][2]), "");
  EXPECT_EQ(std::get<std::string>(found[0][3]), "?");

  EXPECT_EQ(connection->execute("UPDATE typed SET small = small + 1"), 2);
  EXPECT_EQ(connection->execute("DELETE FROM typed WHERE small > 100"), 0);
  EXPECT_TRUE(connection->query("SELECT i FROM typed WHERE small > 100").empty());
}

TEST_P(DatabaseTest, ReusesStatementsWithDifferentParameterKinds) {
  auto connection = database_->reader();
  connection->execute("CREATE TABLE kinds (a BIGINT, b TEXT)");
  for (int i = 0; i < 5; ++i) {
    const SqlValue row[] = {i % 2 ? SqlValue{std::int64_t{i}} : SqlValue{nullptr},
                            std::string("v") + std::to_string(i)};
    connection->execute("INSERT INTO kinds (a, b) VALUES (?, ?)", row);
  }
  const auto rows = connection->query("SELECT COUNT(a), COUNT(b) FROM kinds");
  EXPECT_EQ(std::get<std::int64_t>(rows.at(0).at(0)), 2);
  EXPECT_EQ(std::get<std::int64_t>(rows.at(0).at(1)), 5);
  // More distinct statements than the cache holds.
  for (int i = 0; i < 600; ++i) {
    const auto one = connection->query("SELECT " + std::to_string(i));
    ASSERT_EQ(std::get<std::int64_t>(one.at(0).at(0)), i);
  }
}

TEST_P(DatabaseTest, MapsErrorsWithoutSqlOrValues) {
  auto connection = database_->reader();
  const std::string secret = "secret-identifier-4711";
  const SqlValue claim[] = {std::string("Patient?identifier"), secret, std::string("Patient"),
                            std::string("p1")};
  const char* insert =
      "INSERT INTO unique_claims (scope, claim_key, resource_type, resource_id) "
      "VALUES (?, ?, ?, ?)";
  connection->execute(insert, claim);
  try {
    connection->execute(insert, claim);
    FAIL() << "duplicate primary key accepted";
  } catch (const DatabaseError& error) {
    const std::string message = error.what();
    EXPECT_TRUE(error.constraint_violation) << message;
    EXPECT_EQ(message.find(secret), std::string::npos) << message;
    EXPECT_EQ(message.find("VALUES"), std::string::npos) << message;
    EXPECT_EQ(message.rfind(GetParam() == Backend::sqlite ? "sqlite: " : "postgresql: ", 0), 0u)
        << message;
    EXPECT_NE(message.find("INSERT"), std::string::npos) << message;
  }

  // A value of the wrong type: PostgreSQL's message would quote it.
  const SqlValue bad[] = {secret};
  try {
    connection->query("SELECT version FROM resources WHERE seq = CAST(? AS BIGINT)", bad);
    if (GetParam() == Backend::postgresql) FAIL() << "text accepted as bigint";
  } catch (const DatabaseError& error) {
    EXPECT_FALSE(error.constraint_violation);
    EXPECT_EQ(std::string(error.what()).find(secret), std::string::npos) << error.what();
  }

  try {
    connection->query("SELEC 1");
    FAIL() << "syntax error accepted";
  } catch (const DatabaseError& error) {
    EXPECT_FALSE(error.constraint_violation) << error.what();
  }
  try {
    const SqlValue one[] = {std::int64_t{1}};
    connection->query("SELECT ?, ?", one);
    FAIL() << "missing parameter accepted";
  } catch (const DatabaseError& error) {
    EXPECT_FALSE(error.constraint_violation) << error.what();
  }
  // The connection is still usable after the errors.
  EXPECT_EQ(std::get<std::int64_t>(connection->query("SELECT 1").at(0).at(0)), 1);
}

TEST_P(DatabaseTest, TextWithANulCharacterIsNeverTruncated) {
  auto connection = database_->reader();
  connection->execute("CREATE TABLE nul (t TEXT)");
  const SqlValue value[] = {std::string("before\0after", 12)};
  if (GetParam() == Backend::postgresql) {
    // PostgreSQL text cannot hold NUL: refused, not cut at "before".
    EXPECT_THROW(connection->execute("INSERT INTO nul VALUES (?)", value), DatabaseError);
  } else {
    connection->execute("INSERT INTO nul VALUES (?)", value);
    const auto rows = connection->query("SELECT t FROM nul");
    EXPECT_EQ(std::get<std::string>(rows.at(0).at(0)), std::string("before\0after", 12));
  }
}

TEST_P(DatabaseTest, ReaderLeftInATransactionComesBackClean) {
  {
    auto connection = database_->reader();
    connection->execute(GetParam() == Backend::sqlite ? "BEGIN IMMEDIATE" : "BEGIN");
    connection->execute(
        "INSERT INTO unique_claims (scope, claim_key, resource_type, resource_id) "
        "VALUES ('s', 'k', 'T', 'i')");
  }  // returned to the pool mid-transaction: rolled back
  auto writer = database_->writer();
  EXPECT_EQ(writer->execute("INSERT INTO unique_claims (scope, claim_key, resource_type, "
                            "resource_id) VALUES ('s', 'k', 'T', 'j')"),
            1);
}

TEST_P(DatabaseTest, ReadersFromManyThreads) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto connection = database_->reader();
        const SqlValue value[] = {std::int64_t{t * 1000 + i}};
        if (std::get<std::int64_t>(connection->query("SELECT ?", value).at(0).at(0)) ==
            t * 1000 + i) {
          ++ok;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), 16 * 50);
}

TEST(PostgresqlConninfo, ConvertsUrlsAndKeywordStrings) {
  EXPECT_EQ(postgresql_conninfo("postgresql://alice@127.0.0.1:5433/socialrx"),
            "user=alice dbname=socialrx host=127.0.0.1 port=5433");
  EXPECT_EQ(postgresql_conninfo("host=127.0.0.1 port=5433 dbname=socialrx user=socialrx"),
            "user=socialrx dbname=socialrx host=127.0.0.1 port=5433");
  // Percent-encoding, quoting and escapes come out in the unquoted, space-free form.
  EXPECT_EQ(postgresql_conninfo("postgresql://bob:p%27w%5Cd@db.example:6543/x?sslmode=require"),
            "user=bob password=p\\'w\\\\d dbname=x host=db.example port=6543 sslmode=require");
  EXPECT_EQ(postgresql_conninfo("host=h options='-c search_path=s1'"),
            "host=h options=-csearch_path=s1");
  EXPECT_EQ(postgresql_conninfo("postgres://h/d?options=-c%20search_path%3Ds2"),
            "dbname=d host=h options=-csearch_path=s2");
}

TEST(PostgresqlConninfo, RejectsWhatPocoCannotPassWithoutQuotingSecrets) {
  try {
    postgresql_conninfo("host=h password='with space'");
    FAIL();
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("'password'"), std::string::npos) << error.what();
    EXPECT_EQ(std::string(error.what()).find("with space"), std::string::npos) << error.what();
  }
  try {
    postgresql_conninfo("host=h password=hunter2 bogus");
    FAIL();
  } catch (const std::invalid_argument& error) {
    EXPECT_EQ(std::string(error.what()).find("hunter2"), std::string::npos) << error.what();
  }
}

TEST(PostgresqlConninfo, OpenFailsWithTheBackendNamed) {
  DatabaseOptions options;
  options.backend = Backend::postgresql;
  options.postgresql_url = "postgresql://nobody:pw-do-not-show@127.0.0.1:1/none?connect_timeout=2";
  try {
    Database::open(options);
    FAIL();
  } catch (const std::exception& error) {
    const std::string message = error.what();
    EXPECT_EQ(message.rfind("postgresql: ", 0), 0u) << message;
    EXPECT_EQ(message.find("pw-do-not-show"), std::string::npos) << message;
  }
}

TEST(SqliteDatabase, OpenFailsWithTheBackendNamed) {
  DatabaseOptions options;
  options.backend = Backend::sqlite;
  options.sqlite_path = "/proc/socialrx-cannot-be-here/socialrx.db";
  try {
    Database::open(options);
    FAIL();
  } catch (const std::exception& error) {
    EXPECT_EQ(std::string(error.what()).rfind("sqlite: ", 0), 0u) << error.what();
  }
}

TEST(SqliteDatabase, UsesWalAndFullSynchronous) {
  testing::ScratchDatabase scratch(Backend::sqlite);
  auto database = scratch.open();
  auto writer = database->writer();
  EXPECT_EQ(std::get<std::string>(writer->query("PRAGMA journal_mode").at(0).at(0)), "wal");
  EXPECT_EQ(std::get<std::int64_t>(writer->query("PRAGMA synchronous").at(0).at(0)), 2);  // FULL
  EXPECT_TRUE(std::filesystem::exists(scratch.options().sqlite_path));
}

}  // namespace
}  // namespace socialrx::gateway::storage
