#include "gateway/http/http_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <charconv>
#include <map>
#include <mutex>
#include <set>

namespace socialrx::gateway::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

std::optional<ParsedUrl> parse_url(std::string_view url) {
  ParsedUrl parsed;
  if (url.starts_with("https://")) {
    parsed.tls = true;
    url.remove_prefix(8);
  } else if (url.starts_with("http://")) {
    url.remove_prefix(7);
  } else {
    return std::nullopt;
  }
  const std::size_t end = url.find_first_of("/?");
  std::string_view authority = url.substr(0, end);
  std::string_view rest = end == std::string_view::npos ? std::string_view() : url.substr(end);
  if (authority.empty() || authority.find('@') != std::string_view::npos ||
      rest.find('#') != std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view port_text;
  if (authority.front() == '[') {  // [::1]:8443
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    parsed.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port_text = after.substr(1);
      if (port_text.empty()) return std::nullopt;
    }
  } else {
    const std::size_t colon = authority.find(':');
    parsed.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return std::nullopt;
    }
  }
  if (parsed.host.empty()) return std::nullopt;
  parsed.port = parsed.tls ? 443 : 80;
  if (!port_text.empty()) {
    unsigned value = 0;
    auto [at, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (error != std::errc() || at != port_text.data() + port_text.size() || value == 0 ||
        value > 65535) {
      return std::nullopt;
    }
    parsed.port = static_cast<std::uint16_t>(value);
  }
  parsed.target = rest.empty() ? "/" : std::string(rest);
  if (parsed.target.front() == '?') parsed.target.insert(0, "/");
  return parsed;
}

namespace {

bool is_ip_address(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

std::string host_header(const ParsedUrl& url) {
  std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  if (url.port != (url.tls ? 443 : 80)) host += ":" + std::to_string(url.port);
  return host;
}

std::string openssl_error_text() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

// A TLS client context: TLS 1.2 minimum, peers verified against `ca_file` or the system store.
std::shared_ptr<asio::ssl::context> make_client_context(const std::string& ca_file,
                                                        std::string& problem) {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  SSL_CTX* ctx = context->native_handle();
  ERR_clear_error();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  context->set_options(asio::ssl::context::default_workarounds |
                       asio::ssl::context::no_compression);
  const int loaded = ca_file.empty()
                         ? SSL_CTX_set_default_verify_paths(ctx)
                         : SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr);
  if (loaded != 1) {
    problem = "tls: cannot load the trust anchors" +
              (ca_file.empty() ? std::string() : " from '" + ca_file + "'") + ": " +
              openssl_error_text();
    return nullptr;
  }
  context->set_verify_mode(asio::ssl::verify_peer);
  return context;
}

struct Exchange {
  ParsedUrl url;
  bhttp::request<bhttp::string_body> request;
  bhttp::response_parser<bhttp::string_body> parser;
  std::shared_ptr<asio::ssl::context> tls_context;
  std::chrono::steady_clock::time_point deadline;
  ClientResult result;
  bool finished = false;

  void fail(ClientResult::Error error, const std::string& stage, const boost::system::error_code& ec) {
    result.error = ec == beast::error::timeout ? ClientResult::Error::timeout : error;
    if (ec == bhttp::error::body_limit || ec == bhttp::error::header_limit) {
      result.error = ClientResult::Error::too_large;
    }
    result.reason = stage + ": " + (ec == beast::error::timeout ? "timed out" : ec.message());
    finished = true;
  }
};

template <class Stream>
asio::awaitable<void> write_and_read(Stream& stream, Exchange& x) {
  boost::system::error_code ec;
  co_await bhttp::async_write(stream, x.request, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    x.fail(ClientResult::Error::io, "send", ec);
    co_return;
  }
  beast::flat_buffer buffer;
  co_await bhttp::async_read(stream, buffer, x.parser, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    x.fail(ClientResult::Error::io, "receive", ec);
    co_return;
  }
  x.result.response = x.parser.release();
  x.finished = true;
}

asio::awaitable<void> run_exchange(std::shared_ptr<Exchange> x) {
  auto executor = co_await asio::this_coro::executor;
  boost::system::error_code ec;
  tcp::resolver resolver(executor);
  const auto endpoints = co_await resolver.async_resolve(
      x->url.host, std::to_string(x->url.port), asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    x->fail(ClientResult::Error::resolve, "resolve", ec);
    co_return;
  }
  if (!x->url.tls) {
    beast::tcp_stream stream(executor);
    stream.expires_at(x->deadline);
    co_await stream.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      x->fail(ClientResult::Error::connect, "connect", ec);
      co_return;
    }
    co_await write_and_read(stream, *x);
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    co_return;
  }

  beast::ssl_stream<beast::tcp_stream> stream(executor, *x->tls_context);
  SSL* ssl = stream.native_handle();
  // The name (or address) in the URL is what the certificate must be for. SNI only for names
  // (RFC 6066 forbids addresses there).
  if (is_ip_address(x->url.host)) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), x->url.host.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl, x->url.host.c_str());
    SSL_set1_host(ssl, x->url.host.c_str());
  }
  beast::get_lowest_layer(stream).expires_at(x->deadline);
  co_await beast::get_lowest_layer(stream).async_connect(
      endpoints, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    x->fail(ClientResult::Error::connect, "connect", ec);
    co_return;
  }
  co_await stream.async_handshake(asio::ssl::stream_base::client,
                                  asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    x->fail(ClientResult::Error::tls, "tls", ec);
    if (ec != beast::error::timeout) {
      const long verify = SSL_get_verify_result(ssl);
      if (verify != X509_V_OK) {
        x->result.reason = std::string("tls: ") + X509_verify_cert_error_string(verify);
      }
    }
    co_return;
  }
  co_await write_and_read(stream, *x);
  // No close_notify exchange: the response is complete (Content-Length or chunked), and waiting
  // for the server's close_notify would only add a round trip or a timeout.
  beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ec);
}

}  // namespace

struct HttpClient::Impl {
  ClientOptions options;
  std::mutex mutex;
  bool cancelled = false;
  std::set<asio::io_context*> running;
  std::map<std::string, std::shared_ptr<asio::ssl::context>> tls_contexts;  // by CA file
};

HttpClient::HttpClient(ClientOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
}

HttpClient::~HttpClient() = default;

void HttpClient::cancel() {
  std::lock_guard lock(impl_->mutex);
  impl_->cancelled = true;
  for (auto* io : impl_->running) io->stop();
}

ClientResult HttpClient::send(const OutboundRequest& request) {
  auto x = std::make_shared<Exchange>();
  const auto url = parse_url(request.url);
  if (!url) {
    x->result.error = ClientResult::Error::bad_url;
    x->result.reason = "not an http(s) URL";
    return x->result;
  }
  x->url = *url;
  x->request.method(request.method);
  x->request.target(x->url.target);
  x->request.version(11);
  x->request.set(bhttp::field::host, host_header(x->url));
  x->request.set(bhttp::field::user_agent, "socialrx");
  x->request.set(bhttp::field::connection, "close");
  for (const auto& [name, value] : request.headers) x->request.set(name, value);
  x->request.body() = request.body;
  x->request.prepare_payload();
  x->parser.body_limit(impl_->options.response_body_limit);
  x->parser.header_limit(static_cast<std::uint32_t>(impl_->options.response_header_limit));
  x->deadline = std::chrono::steady_clock::now() + impl_->options.timeout;

  asio::io_context io(1);
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->cancelled) {
      x->result.error = ClientResult::Error::cancelled;
      x->result.reason = "cancelled";
      return x->result;
    }
    if (x->url.tls) {
      auto& context = impl_->tls_contexts[request.ca_file];
      if (!context) {
        std::string problem;
        context = make_client_context(request.ca_file, problem);
        if (!context) {
          impl_->tls_contexts.erase(request.ca_file);  // the file may be fixed later
          x->result.error = ClientResult::Error::tls;
          x->result.reason = problem;
          return x->result;
        }
      }
      x->tls_context = context;
    }
    impl_->running.insert(&io);
  }
  asio::co_spawn(io, run_exchange(x), asio::detached);
  // The streams' expiry enforces the deadline; this bound also covers name resolution, which
  // cannot be timed out from inside.
  io.run_for(impl_->options.timeout + std::chrono::milliseconds(500));
  bool cancelled = false;
  {
    std::lock_guard lock(impl_->mutex);
    impl_->running.erase(&io);
    cancelled = impl_->cancelled;
  }
  if (!x->finished) {
    x->result = {};
    x->result.error = cancelled ? ClientResult::Error::cancelled : ClientResult::Error::timeout;
    x->result.reason = cancelled ? "cancelled" : "timed out";
  }
  return x->result;
}

}  // namespace socialrx::gateway::http
