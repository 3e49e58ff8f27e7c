#pragma once
// A fresh database for each test on either backend:
//   SQLite: a file in a new temporary directory, removed afterwards;
//   PostgreSQL: a new schema (random name) on the server in SOCIALRX_TEST_POSTGRESQL_URL
//   (ctest starts it with scripts/pg_test_server.sh), dropped afterwards. Without that server
//   the PostgreSQL tests fail; they never skip.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "gateway/storage/database.hpp"
#include "gateway/storage/driver.hpp"

namespace socialrx::gateway::storage::testing {

inline std::string random_suffix() {
  static thread_local std::mt19937_64 generator{std::random_device{}()};
  static const char digits[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  for (int i = 0; i < 12; ++i) out += digits[generator() % 36];
  return out;
}

inline std::string backend_name(Backend backend) {
  return backend == Backend::sqlite ? "SQLite" : "PostgreSQL";
}

inline std::string postgresql_test_url() {
  const char* url = std::getenv("SOCIALRX_TEST_POSTGRESQL_URL");
  if (url == nullptr || *url == '\0') {
    throw std::runtime_error(
        "SOCIALRX_TEST_POSTGRESQL_URL is not set: run the tests through ctest (it starts the "
        "server with scripts/pg_test_server.sh) or set it to a server's URL");
  }
  return url;
}

// Owns the backing store of one test's database; options() opens it (any number of times).
class ScratchDatabase {
 public:
  explicit ScratchDatabase(Backend backend) : backend_(backend) {
    if (backend == Backend::sqlite) {
      dir_ = std::filesystem::temp_directory_path() / ("socialrx-storage-" + random_suffix());
      std::filesystem::create_directories(dir_);
      options_.backend = Backend::sqlite;
      options_.sqlite_path = (dir_ / "socialrx.db").string();
    } else {
      const std::string url = postgresql_test_url();
      schema_ = "test_" + random_suffix();
      admin_ = open_postgresql(postgresql_conninfo(url));
      admin_->execute("CREATE SCHEMA " + schema_);
      options_.backend = Backend::postgresql;
      // The URL form, with the schema as search_path: exercises the URL conversion too.
      options_.postgresql_url =
          url + (url.find('?') == std::string::npos ? "?" : "&") + "options=-c%20search_path%3D" + schema_;
      if (url.rfind("postgresql://", 0) != 0 && url.rfind("postgres://", 0) != 0) {
        options_.postgresql_url = url + " options=-csearch_path=" + schema_;
      }
    }
  }

  ~ScratchDatabase() {
    if (backend_ == Backend::sqlite) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
    } else if (admin_) {
      try {
        admin_->execute("DROP SCHEMA " + schema_ + " CASCADE");
      } catch (...) {
      }
    }
  }

  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;

  const DatabaseOptions& options() const { return options_; }
  std::unique_ptr<Database> open() const { return Database::open(options_); }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  Backend backend_;
  DatabaseOptions options_;
  std::filesystem::path dir_;
  std::string schema_;
  std::unique_ptr<DriverConnection> admin_;
};

// Parametrized over both backends.
class BackendTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    scratch_ = std::make_unique<ScratchDatabase>(GetParam());
    database_ = scratch_->open();
  }
  void TearDown() override {
    database_.reset();
    scratch_.reset();
  }

  std::unique_ptr<ScratchDatabase> scratch_;
  std::unique_ptr<Database> database_;
};

struct BackendName {
  std::string operator()(const ::testing::TestParamInfo<Backend>& info) const {
    return backend_name(info.param);
  }
};

#define SOCIALRX_INSTANTIATE_BACKENDS(suite)                                              \
  INSTANTIATE_TEST_SUITE_P(Backends, suite,                                                \
                           ::testing::Values(::socialrx::gateway::storage::Backend::sqlite, \
                                             ::socialrx::gateway::storage::Backend::postgresql), \
                           ::socialrx::gateway::storage::testing::BackendName())

}  // namespace socialrx::gateway::storage::testing
