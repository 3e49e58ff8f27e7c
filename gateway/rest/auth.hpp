#pragma once
// Who is calling, and may they do this? Bearer tokens from the configuration (stored as SHA-256
// only), with SMART Backend Services system scopes: system/<Type|*>.<cruds> (SMART v2) or
// .read/.write/.* (v1). Off only with `serve --dev`.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/config/gateway_config.hpp"
#include "gateway/http/server.hpp"

namespace socialrx::gateway::rest {

enum class Permission { create, read, update, remove, search };

struct Principal {
  std::string client_id;  // "dev" when authentication is off
  std::vector<std::string> scopes;
  // The organization the client acts for (config auth.clients[].organization): "Organization/<id>"
  // or "system|value" of its identifier; empty when it acts for none (then the referral
  // workflow checks only the Task transition table, not whose Task it is).
  std::string organization;
};

class Authenticator {
 public:
  // enabled = false is --dev: every caller is the "dev" principal with every scope.
  Authenticator(std::vector<config::ApiClient> clients, bool enabled);

  bool enabled() const { return enabled_; }
  // nullopt: no or unknown bearer token (→ 401).
  std::optional<Principal> authenticate(const http::Request& request) const;

 private:
  std::vector<config::ApiClient> clients_;
  bool enabled_;
};

// Whether the principal's scopes allow `permission` on resources of `type`.
bool permits(const Principal& principal, std::string_view type, Permission permission);

std::string sha256_hex(std::string_view text);

}  // namespace socialrx::gateway::rest
