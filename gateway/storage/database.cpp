#include "gateway/storage/database.hpp"

#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/SQLite/Connector.h>

#include <algorithm>
#include <functional>
#include <mutex>
#include <stdexcept>

#include "gateway/storage/driver.hpp"
#include "gateway/storage/migrations.hpp"

namespace socialrx::gateway::storage {

void register_connectors() {
  static std::once_flag once;
  std::call_once(once, [] {
    Poco::Data::SQLite::Connector::registerConnector();
    Poco::Data::PostgreSQL::Connector::registerConnector();
  });
}

namespace {

// Idle connections for reads. A reader is never refused and never waits: when none is idle a
// new one is opened, and at most `capacity` are kept when they come back.
class ConnectionPool : public std::enable_shared_from_this<ConnectionPool> {
 public:
  ConnectionPool(std::function<std::unique_ptr<DriverConnection>()> open, std::size_t capacity)
      : open_(std::move(open)), capacity_(capacity) {}

  std::shared_ptr<Connection> acquire() {
    std::unique_ptr<DriverConnection> connection;
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        connection = std::move(idle_.back());
        idle_.pop_back();
      }
    }
    if (!connection) connection = open_();
    DriverConnection* raw = connection.release();
    return std::shared_ptr<Connection>(raw, [pool = shared_from_this()](Connection* returned) {
      pool->release(std::unique_ptr<DriverConnection>(static_cast<DriverConnection*>(returned)));
    });
  }

  void fill(std::unique_ptr<DriverConnection> connection) {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(connection));
  }

 private:
  void release(std::unique_ptr<DriverConnection> connection) {
    if (!connection->recycle()) return;  // broken: dropped
    std::lock_guard lock(mutex_);
    if (idle_.size() < capacity_) idle_.push_back(std::move(connection));
  }

  std::function<std::unique_ptr<DriverConnection>()> open_;
  std::size_t capacity_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<DriverConnection>> idle_;
};

class DatabaseImpl final : public Database {
 public:
  explicit DatabaseImpl(const DatabaseOptions& options) : backend_(options.backend) {
    if (backend_ == Backend::sqlite) {
      if (options.sqlite_path.empty()) throw std::invalid_argument("sqlite: no database path");
      sqlite_path_ = options.sqlite_path;
      open_ = [path = sqlite_path_] { return open_sqlite(path); };
    } else {
      if (options.postgresql_url.empty()) {
        throw std::invalid_argument("postgresql: no connection URL");
      }
      std::string conninfo = postgresql_conninfo(options.postgresql_url);
      // Without it libpq waits for the operating system's TCP timeout (minutes).
      if (conninfo.find("connect_timeout=") == std::string::npos) {
        conninfo += conninfo.empty() ? "connect_timeout=10" : " connect_timeout=10";
      }
      open_ = [conninfo] { return open_postgresql(conninfo); };
    }
    auto first = open_();
    schema_version_ = migrate(*first);
    pool_ = std::make_shared<ConnectionPool>(open_, std::max<std::size_t>(1, options.read_connections));
    pool_->fill(std::move(first));
  }

  Backend backend() const override { return backend_; }
  int schema_version() const override { return schema_version_; }
  std::shared_ptr<Connection> reader() override { return pool_->acquire(); }
  std::unique_ptr<Connection> writer() override {
    if (backend_ == Backend::sqlite) return open_sqlite_writer(sqlite_path_);
    return open_();
  }

 private:
  Backend backend_;
  std::string sqlite_path_;
  std::function<std::unique_ptr<DriverConnection>()> open_;
  int schema_version_ = 0;
  std::shared_ptr<ConnectionPool> pool_;
};

}  // namespace

std::unique_ptr<Database> Database::open(const DatabaseOptions& options) {
  return std::make_unique<DatabaseImpl>(options);
}

}  // namespace socialrx::gateway::storage
