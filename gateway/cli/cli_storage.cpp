#include "gateway/cli/cli_storage.hpp"

#include <filesystem>

namespace socialrx::gateway::cli {

config::GatewayConfig load_cli_config(const std::string& path, bool given) {
  if (given || std::filesystem::exists(path)) return config::load_config(path);
  return {};
}

std::unique_ptr<storage::Database> open_store(const config::GatewayConfig& settings, const std::string& data_dir,
                                              std::size_t read_connections) {
  std::filesystem::create_directories(data_dir);
  storage::DatabaseOptions options;
  options.backend = settings.backend;
  options.sqlite_path = (std::filesystem::path(data_dir) / settings.sqlite_file).string();
  options.postgresql_url = settings.postgresql_url;
  options.read_connections = read_connections;
  return storage::Database::open(options);
}

}  // namespace socialrx::gateway::cli
