#pragma once
// The HTTP/1.1 server on Boost.Beast: one session skeleton for plain TCP and TLS (as in Beast's
// advanced server example), keep-alive, read and idle timeouts, header and body limits (413 as an
// OperationOutcome), a connection limit, and a graceful drain on stop.
//
// Requests are handed to a Handler, which answers through a Respond callback exactly once, from
// any thread: reads answer at once on the I/O thread; writes answer after the database commit.

#include <boost/beast/http.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace socialrx::gateway::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;
using Respond = std::function<void(Response&&)>;

struct RequestContext {
  std::string peer;  // "127.0.0.1:53122"; never logged together with personal data
  bool tls = false;
  std::string client_certificate_subject;  // when a client certificate was verified
};

class Handler {
 public:
  virtual ~Handler() = default;
  virtual void handle(Request&& request, const RequestContext& context, Respond respond) = 0;
};

struct TlsOptions {
  std::string certificate_chain_file;  // PEM
  std::string private_key_file;        // PEM
  std::string client_ca_file;          // PEM; when set, client certificates are required
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0: any free port (see Server::port())
  std::size_t body_limit = 8u << 20;
  std::size_t header_limit = 16u << 10;
  std::chrono::milliseconds read_timeout{30'000};   // to read one whole request once it started
  std::chrono::milliseconds idle_timeout{60'000};   // keep-alive connection without a request
  std::size_t max_connections = 1024;               // more are closed at once after accept
  std::optional<TlsOptions> tls;                    // TLS 1.2 minimum when set
  int threads = 2;                                  // I/O threads
};

class Server {
 public:
  // Binds the listening socket; throws std::runtime_error (start-up) when it cannot.
  Server(ServerOptions options, Handler& handler);
  ~Server();

  std::uint16_t port() const;  // the bound port
  // Runs the I/O threads; returns after stop() once every connection is closed.
  void run();
  // Stops accepting, lets in-flight requests finish and answer (Connection: close), closes idle
  // keep-alive connections; after `grace` remaining connections are cut. Safe from any thread
  // and from a signal-handling thread.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(10'000));

  std::size_t open_connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace socialrx::gateway::http
