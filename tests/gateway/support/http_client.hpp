#pragma once
// A synchronous HTTP/1.1 client for tests, on Beast: plain or TLS, one keep-alive connection
// (opened on the first request and again after the server closed it), a deadline per request
// (connect + write + read), and a few raw operations for protocol tests (write bytes as they are,
// read one response, wait for the server to close).
//
//   HttpClient client("127.0.0.1", port);
//   auto response = client.get("/fhir/metadata");
//   EXPECT_EQ(response.status, 200);
//
// Errors (refused, reset, timeout, TLS failure) throw HttpError; code() tells which.
//
// The member functions are defined once in http_client.cpp: instantiating Beast's reads and writes
// for the plain and the TLS stream in every test file that includes this header was the bulk of
// the test suite's build time.

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <openssl/ssl.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace socialrx::testing {

struct TlsClientOptions {
  std::string ca_file;           // verify the server's certificate against it; empty: no check
  std::string certificate_file;  // client certificate (PEM); optional
  std::string private_key_file;  // its key (PEM)
  std::string server_name;       // SNI and the name verified; empty: the host
  int min_version = 0;           // e.g. TLS1_2_VERSION; 0: OpenSSL's default
  int max_version = 0;           // e.g. TLS1_2_VERSION; 0: the newest
  bool allow_legacy = false;     // security level 0, so that TLS 1.0/1.1 can even be offered
};

struct ClientOptions {
  std::chrono::milliseconds timeout{10'000};  // per request
  std::optional<TlsClientOptions> tls;
};

struct HttpResponse {
  unsigned status = 0;
  boost::beast::http::fields headers;
  std::string body;
  bool keep_alive = false;

  std::string header(std::string_view name) const {
    const auto found = headers.find(boost::beast::string_view(name.data(), name.size()));
    return found == headers.end() ? std::string() : std::string(found->value());
  }
};

class HttpError : public std::runtime_error {
 public:
  HttpError(const std::string& what, boost::system::error_code code)
      : std::runtime_error(what + ": " + code.message()), code_(code) {}
  boost::system::error_code code() const { return code_; }

 private:
  boost::system::error_code code_;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

class HttpClient {
 public:
  HttpClient(std::string host, std::uint16_t port, ClientOptions options = {});
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;
  ~HttpClient();

  // --- requests --------------------------------------------------------------------------------

  HttpResponse request(boost::beast::http::verb method, std::string_view target,
                       std::string body = {}, const Headers& headers = {});
  HttpResponse get(std::string_view target, const Headers& headers = {});
  HttpResponse post(std::string_view target, std::string body,
                    std::string content_type = "application/fhir+json", Headers headers = {});
  HttpResponse put(std::string_view target, std::string body,
                   std::string content_type = "application/fhir+json", Headers headers = {});
  HttpResponse del(std::string_view target, const Headers& headers = {});

  // Sends a whole request (Host and Content-Length are filled in when missing) and reads the
  // response; reconnects first when the previous response closed the connection.
  HttpResponse send(boost::beast::http::request<boost::beast::http::string_body> message);

  // --- raw operations --------------------------------------------------------------------------

  void connect();
  bool is_open() const { return plain_ || secure_; }
  int connections_opened() const { return connections_opened_; }
  // "TLSv1.2", "TLSv1.3" once connected over TLS.
  std::string tls_version();

  // Writes bytes as they are (connecting first if needed).
  void write_raw(std::string_view bytes);

  // Reads one response from the open connection (after write_raw; pipelined responses one by one).
  HttpResponse read_response(bool head = false);

  // Waits until the server closes the connection (end of stream, reset, TLS close) and returns true;
  // false when it is still open after `timeout`. Data that arrives meanwhile is discarded.
  bool wait_closed(std::chrono::milliseconds timeout);

  void close();

 private:
  using tcp = boost::asio::ip::tcp;
  using ssl_stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

  [[noreturn]] void fail(const std::string& step, boost::system::error_code ec);
  void start_deadline();
  void run();
  template <class F>
  void with_stream(F&& f);
  void connect_now();
  static boost::asio::ssl::context make_tls_context(const TlsClientOptions& tls);
  HttpResponse read_now(bool head);

  std::string host_;
  std::uint16_t port_;
  ClientOptions options_;
  boost::asio::io_context io_;
  std::optional<boost::asio::ssl::context> tls_context_;
  std::optional<boost::beast::tcp_stream> plain_;
  std::optional<ssl_stream> secure_;
  boost::beast::flat_buffer buffer_;
  std::chrono::steady_clock::time_point deadline_;
  int connections_opened_ = 0;
};

}  // namespace socialrx::testing
