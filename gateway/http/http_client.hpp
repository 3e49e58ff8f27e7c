#pragma once
// An outbound HTTP/1.1 client on Beast, for the gateway's own calls to other servers (the
// outbox's FHIR pushes; polling full recipients): plain or TLS 1.2+ with the server's certificate
// verified (against a CA file or the system store, host name or IP address checked, SNI sent),
// one overall deadline per exchange (resolve, connect, handshake, request, response), bounded
// response headers and body, and cancel() for shutdown.
//
// One connection per send(), closed afterwards: the callers send a few requests a second at most,
// and a fresh connection never trips over a keep-alive connection the server already dropped.
// send() never throws for what the network or the server does; it reports it in ClientResult.

#include <boost/beast/http.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/http/server.hpp"

namespace socialrx::gateway::http {

struct ParsedUrl {
  bool tls = false;         // https
  std::string host;         // name or address, without IPv6 brackets
  std::uint16_t port = 0;   // 80 / 443 when the URL gives none
  std::string target;       // path and query, "/" at least
};
// "http(s)://host[:port][/path][?query]"; nullopt for anything else (user info, fragments, other
// schemes, a bad port).
std::optional<ParsedUrl> parse_url(std::string_view url);

struct ClientOptions {
  std::chrono::milliseconds timeout{30'000};       // the whole exchange
  std::size_t response_body_limit = 8u << 20;      // larger responses fail (too_large)
  std::size_t response_header_limit = 64u << 10;
};

struct OutboundRequest {
  boost::beast::http::verb method = boost::beast::http::verb::get;
  std::string url;  // absolute
  std::vector<std::pair<std::string, std::string>> headers;  // Host and Content-Length are set
  std::string body;
  std::string ca_file;  // https: trust anchors (PEM); empty: the system's default store
};

struct ClientResult {
  enum class Error { none, bad_url, resolve, connect, tls, timeout, io, too_large, cancelled };
  Error error = Error::none;
  // Short, without personal data: "connect: Connection refused", "tls: certificate verify failed".
  std::string reason;
  Response response;  // when error == none (any status)

  bool ok() const { return error == Error::none; }
};

class HttpClient {
 public:
  explicit HttpClient(ClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request and reads the response; thread-safe (each call runs on its own I/O context
  // on the calling thread).
  ClientResult send(const OutboundRequest& request);

  // From any thread: sends in progress end with Error::cancelled soon, later ones at once.
  void cancel();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace socialrx::gateway::http
