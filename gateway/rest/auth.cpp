#include "gateway/rest/auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>

namespace socialrx::gateway::rest {
namespace {

char permission_letter(Permission permission) {
  switch (permission) {
    case Permission::create: return 'c';
    case Permission::read: return 'r';
    case Permission::update: return 'u';
    case Permission::remove: return 'd';
    case Permission::search: return 's';
  }
  return '?';
}

bool scope_allows(std::string_view scope, std::string_view type, Permission permission) {
  // system/<resource>.<access>
  if (!scope.starts_with("system/")) return false;
  scope.remove_prefix(7);
  const std::size_t dot = scope.find('.');
  if (dot == std::string_view::npos) return false;
  const std::string_view resource = scope.substr(0, dot);
  const std::string_view access = scope.substr(dot + 1);
  if (resource != "*" && resource != type) return false;
  const char letter = permission_letter(permission);
  if (access == "*") return true;
  if (access == "read") return letter == 'r' || letter == 's';
  if (access == "write") return letter == 'c' || letter == 'u' || letter == 'd';
  return access.find(letter) != std::string_view::npos &&
         access.find_first_not_of("cruds") == std::string_view::npos;
}

}  // namespace

std::string sha256_hex(std::string_view text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest.data(), &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

Authenticator::Authenticator(std::vector<config::ApiClient> clients, bool enabled)
    : clients_(std::move(clients)), enabled_(enabled) {}

std::optional<Principal> Authenticator::authenticate(const http::Request& request) const {
  if (!enabled_) return Principal{"dev", {"system/*.cruds"}, {}};
  const auto header = request.find(boost::beast::http::field::authorization);
  if (header == request.end()) return std::nullopt;
  const std::string_view value = header->value();
  constexpr std::string_view kBearer = "Bearer ";
  if (value.size() <= kBearer.size() || value.substr(0, kBearer.size()) != kBearer) {
    return std::nullopt;
  }
  const std::string presented = sha256_hex(value.substr(kBearer.size()));
  for (const config::ApiClient& client : clients_) {
    // Constant-time comparison of equal-length hex digests.
    if (client.token_sha256.size() == presented.size() &&
        CRYPTO_memcmp(client.token_sha256.data(), presented.data(), presented.size()) == 0) {
      return Principal{client.id, client.scopes, client.organization};
    }
  }
  return std::nullopt;
}

bool permits(const Principal& principal, std::string_view type, Permission permission) {
  for (const std::string& scope : principal.scopes) {
    if (scope_allows(scope, type, permission)) return true;
  }
  return false;
}

}  // namespace socialrx::gateway::rest
