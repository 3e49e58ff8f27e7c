#pragma once
// What the maintenance commands (outbox, reprocess, import) share with `serve`: the
// configuration file and the store it names, opened in the data directory.

#include <cstddef>
#include <memory>
#include <string>

#include "gateway/config/gateway_config.hpp"
#include "gateway/storage/database.hpp"

namespace socialrx::gateway::cli {

// The configuration at `path`; the defaults when `path` was not given on the command line and
// does not exist. Throws config::ConfigError.
config::GatewayConfig load_cli_config(const std::string& path, bool given);

// The database `settings` name (SQLite in `data_dir`, or PostgreSQL), migrated. Throws when it
// cannot be opened.
std::unique_ptr<storage::Database> open_store(const config::GatewayConfig& settings, const std::string& data_dir,
                                              std::size_t read_connections = 1);

}  // namespace socialrx::gateway::cli
