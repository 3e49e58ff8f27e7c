// The WAL write buffer (gateway/storage/sqlite_wal_buffer.cpp): a commit's log frames reach the
// kernel in a few large writes instead of two per page, and nothing about what SQLite promises
// changes — readers on other connections always see whole commits, a transaction larger than the
// buffer works, and a process killed in the middle of writing leaves a database that opens
// intact with every commit that returned.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "gateway/storage/database.hpp"
#include "gateway/storage/driver.hpp"
#include "tests/gateway/storage/storage_test_support.hpp"

namespace socialrx::gateway::storage {
namespace {

double write_calls() {
  std::ifstream in("/proc/self/io");
  std::string key;
  double value = 0;
  while (in >> key >> value) {
    if (key == "syscw:") return value;
  }
  return 0;
}

std::int64_t count_rows(Connection& connection) {
  return std::get<std::int64_t>(connection.query("SELECT COUNT(*) FROM t").at(0).at(0));
}

class SqliteWalBuffer : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("socialrx-walbuffer-" + testing::random_suffix());
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "test.db").string();
    auto connection = open_sqlite(path_);
    connection->execute("CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT, body BLOB)");
    connection->execute("CREATE INDEX t_k ON t (k)");
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // One commit that dirties about `rows` pages of the index (random keys) and the table.
  static void insert_rows(Connection& connection, int rows, int first) {
    connection.execute("BEGIN IMMEDIATE");
    for (int i = first; i < first + rows; ++i) {
      connection.execute("INSERT INTO t (id, k, body) VALUES (?, hex(randomblob(16)), randomblob(600))",
                         std::vector<SqlValue>{std::int64_t{i}});
    }
    connection.execute("COMMIT");
  }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(SqliteWalBuffer, ACommitOfManyPagesIsAFewWrites) {
  auto connection = open_sqlite(path_);
  insert_rows(*connection, 2000, 0);  // an index deep enough for random keys to spread
  const double before = write_calls();
  insert_rows(*connection, 200, 10'000);  // ~200 frames: unbuffered, ~400 write calls
  const double calls = write_calls() - before;
  std::printf("[ figures  ] a commit of 200 random-key rows: %.0f write calls\n", calls);
  EXPECT_LT(calls, 40);
  EXPECT_EQ(count_rows(*connection), 2200);
}

TEST_F(SqliteWalBuffer, ATransactionLargerThanTheBufferCommits) {
  auto connection = open_sqlite(path_);
  // ~20,000 rows of ~700 bytes: ~14 MB of pages, more than the 8 MB buffer and than the page
  // cache (SQLite spills uncommitted frames to the log mid-transaction and reads them back).
  insert_rows(*connection, 20'000, 0);
  EXPECT_EQ(count_rows(*connection), 20'000);
  auto reopened = open_sqlite(path_);
  EXPECT_EQ(count_rows(*reopened), 20'000);
  const auto check = reopened->query("PRAGMA integrity_check");
  EXPECT_EQ(std::get<std::string>(check.at(0).at(0)), "ok");
}

TEST_F(SqliteWalBuffer, ReadersOnOtherConnectionsSeeOnlyWholeCommits) {
  auto writer = open_sqlite(path_);
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::atomic<int> reads{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      auto reader = open_sqlite(path_);
      while (!done) {
        try {
          // Every commit adds 50 rows: a reader sees a multiple of 50, never a torn commit.
          if (count_rows(*reader) % 50 != 0) ++bad;
          ++reads;
        } catch (const std::exception&) {
          ++bad;
        }
      }
    });
  }
  for (int commit = 0; commit < 200; ++commit) insert_rows(*writer, 50, commit * 50);
  done = true;
  for (auto& reader : readers) reader.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(count_rows(*writer), 10'000);
}

TEST_F(SqliteWalBuffer, AProcessKilledWhileWritingLeavesEveryReturnedCommit) {
  const std::filesystem::path progress = dir_ / "committed";
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto connection = open_sqlite(path_);
    for (int commit = 0;; ++commit) {
      insert_rows(*connection, 100, commit * 100);
      // After COMMIT returned; written aside and renamed, so that the kill never leaves it empty.
      std::ofstream(progress.string() + ".new", std::ios::trunc) << (commit + 1) * 100;
      std::filesystem::rename(progress.string() + ".new", progress);
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  std::int64_t acknowledged = 0;
  std::ifstream(progress) >> acknowledged;
  ASSERT_GT(acknowledged, 0);
  auto reopened = open_sqlite(path_);
  const auto check = reopened->query("PRAGMA integrity_check");
  EXPECT_EQ(std::get<std::string>(check.at(0).at(0)), "ok");
  const std::int64_t rows = count_rows(*reopened);
  EXPECT_GE(rows, acknowledged);
  EXPECT_EQ(rows % 100, 0);  // whole commits only
}

}  // namespace
}  // namespace socialrx::gateway::storage
