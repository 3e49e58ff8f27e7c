#pragma once
// The gateway's configuration file (JSONC, default conf/gateway.jsonc), validated at load: an
// error names the file, the line and the key ("conf/gateway.jsonc:12: http.listen: …").

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "gateway/http/server.hpp"
#include "gateway/ingest/ingest_options.hpp"
#include "gateway/outbox/outbox_options.hpp"
#include "gateway/storage/database.hpp"

namespace socialrx::gateway::config {

struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A client allowed to call the API when authentication is on (always, unless --dev).
struct ApiClient {
  std::string id;                   // who, in audit records: "clinic-utsunomiya-chuo"
  std::string token_sha256;         // hex SHA-256 of the bearer token; the token is never stored
  std::vector<std::string> scopes;  // SMART system scopes: "system/*.cruds", "system/Task.rs"
  // The organization it acts for: "Organization/<id>" or "<identifier system>|<value>" (e.g. the
  // directory's https://socialrx.jp/fhir/sid/directory-organization|midori-houkatsu-kita). A
  // client bound to one may set only the Task statuses of its role (requester or owner).
  std::string organization;
};

std::string default_questionnaires_dir();

struct GatewayConfig {
  http::ServerOptions http;      // host, port, TLS, limits, threads
  std::string base_url;          // public FHIR base; empty: from the Host header
  storage::Backend backend = storage::Backend::sqlite;
  std::string sqlite_file = "socialrx.db";  // relative to the data directory
  std::string postgresql_url;
  std::vector<ApiClient> clients;
  std::size_t max_pending_writes = 10'000;  // beyond this, writes get 429
  // Shipped Questionnaires and CodeSystems (assessment.questionnaires_dir; relative to the
  // configuration file's folder). Default: conf/questionnaires of this source tree.
  std::string questionnaires_dir = default_questionnaires_dir();
  bool extract_on_write = true;  // assessment.extract_on_write
  // referral.routing_rules (relative to the configuration file's folder); empty: the shipped
  // conf/routing/routing-rules.jsonc of this source tree.
  std::string routing_rules;
  // referral.poll_interval_ms: how often full recipients' servers are asked for their Tasks.
  std::int64_t recipient_poll_interval_ms = 60'000;
  outbox::OutboxOptions outbox;  // delivery of outgoing messages (retries, destinations)
  ingest::IngestOptions ingest;  // inbound channels: source → plugin + mapping → destinations
};

// conf/questionnaires of the source tree the binary was built from.
std::string default_questionnaires_dir();

// Reads and validates `path`. Throws ConfigError.
GatewayConfig load_config(const std::string& path);
// Parses "HOST:PORT" ("127.0.0.1:8080", "[::1]:8080"). Throws ConfigError naming `what`.
void parse_listen_address(const std::string& text, const std::string& what, std::string& host,
                          std::uint16_t& port);

}  // namespace socialrx::gateway::config
