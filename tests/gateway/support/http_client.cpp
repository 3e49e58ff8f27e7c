// HttpClient's member functions (see http_client.hpp), compiled once for the test binary.

#include "tests/gateway/support/http_client.hpp"

namespace socialrx::testing {

HttpClient::HttpClient(std::string host, std::uint16_t port, ClientOptions options)
    : host_(std::move(host)), port_(port), options_(std::move(options)) {}

HttpClient::~HttpClient() { close(); }

// --- requests ------------------------------------------------------------------------------------

HttpResponse HttpClient::request(boost::beast::http::verb method, std::string_view target,
                                 std::string body, const Headers& headers) {
  boost::beast::http::request<boost::beast::http::string_body> message{
      method, boost::beast::string_view(target.data(), target.size()), 11};
  for (const auto& [name, value] : headers) message.set(name, value);
  message.body() = std::move(body);
  return send(std::move(message));
}

HttpResponse HttpClient::get(std::string_view target, const Headers& headers) {
  return request(boost::beast::http::verb::get, target, {}, headers);
}

HttpResponse HttpClient::post(std::string_view target, std::string body, std::string content_type,
                              Headers headers) {
  headers.emplace_back("Content-Type", std::move(content_type));
  return request(boost::beast::http::verb::post, target, std::move(body), headers);
}

HttpResponse HttpClient::put(std::string_view target, std::string body, std::string content_type,
                             Headers headers) {
  headers.emplace_back("Content-Type", std::move(content_type));
  return request(boost::beast::http::verb::put, target, std::move(body), headers);
}

HttpResponse HttpClient::del(std::string_view target, const Headers& headers) {
  return request(boost::beast::http::verb::delete_, target, {}, headers);
}

HttpResponse HttpClient::send(boost::beast::http::request<boost::beast::http::string_body> message) {
  if (message.find(boost::beast::http::field::host) == message.end()) {
    message.set(boost::beast::http::field::host, host_ + ":" + std::to_string(port_));
  }
  if (!message.has_content_length() && !message.chunked() &&
      (!message.body().empty() || message.method() == boost::beast::http::verb::post ||
       message.method() == boost::beast::http::verb::put)) {
    message.prepare_payload();
  }
  start_deadline();
  if (!is_open()) connect_now();
  with_stream([&](auto& stream) {
    boost::beast::error_code ec;
    boost::beast::http::async_write(stream, message,
                                    [&](boost::beast::error_code e, std::size_t) { ec = e; });
    run();
    if (ec) fail("writing the request", ec);
  });
  return read_now(message.method() == boost::beast::http::verb::head);
}

// --- raw operations ------------------------------------------------------------------------------

void HttpClient::connect() {
  start_deadline();
  connect_now();
}

std::string HttpClient::tls_version() {
  return secure_ ? SSL_get_version(secure_->native_handle()) : "";
}

void HttpClient::write_raw(std::string_view bytes) {
  start_deadline();
  if (!is_open()) connect_now();
  with_stream([&](auto& stream) {
    boost::beast::error_code ec;
    boost::asio::async_write(stream, boost::asio::buffer(bytes.data(), bytes.size()),
                             [&](boost::beast::error_code e, std::size_t) { ec = e; });
    run();
    if (ec) fail("writing", ec);
  });
}

HttpResponse HttpClient::read_response(bool head) {
  start_deadline();
  if (!is_open()) fail("reading", boost::asio::error::not_connected);
  return read_now(head);
}

bool HttpClient::wait_closed(std::chrono::milliseconds timeout) {
  if (!is_open()) return true;
  deadline_ = std::chrono::steady_clock::now() + timeout;
  buffer_.clear();
  for (;;) {
    boost::beast::error_code ec;
    with_stream([&](auto& stream) {
      boost::beast::get_lowest_layer(stream).expires_at(deadline_);
      stream.async_read_some(buffer_.prepare(16384),
                             [&](boost::beast::error_code e, std::size_t) { ec = e; });
      run();
    });
    buffer_.clear();
    if (ec == boost::beast::error::timeout) {
      close();
      return false;
    }
    if (ec) {
      close();
      return true;
    }
  }
}

void HttpClient::close() {
  boost::beast::error_code ignored;
  if (plain_) plain_->socket().close(ignored);
  if (secure_) boost::beast::get_lowest_layer(*secure_).socket().close(ignored);
  plain_.reset();
  secure_.reset();
  buffer_.clear();
}

// --- private -------------------------------------------------------------------------------------

void HttpClient::fail(const std::string& step, boost::system::error_code ec) {
  close();
  throw HttpError(step + " (" + host_ + ":" + std::to_string(port_) + ")", ec);
}

void HttpClient::start_deadline() { deadline_ = std::chrono::steady_clock::now() + options_.timeout; }

void HttpClient::run() {
  io_.restart();
  io_.run();
}

template <class F>
void HttpClient::with_stream(F&& f) {
  if (secure_) {
    boost::beast::get_lowest_layer(*secure_).expires_at(deadline_);
    f(*secure_);
  } else if (plain_) {
    plain_->expires_at(deadline_);
    f(*plain_);
  } else {
    fail("using the connection", boost::asio::error::not_connected);
  }
}

void HttpClient::connect_now() {
  close();
  boost::system::error_code ec;
  tcp::endpoint endpoint;
  if (const auto address = boost::asio::ip::make_address(host_, ec); !ec) {
    endpoint = {address, port_};
  } else {
    tcp::resolver resolver(io_);
    const auto results = resolver.resolve(host_, std::to_string(port_), ec);
    if (ec || results.empty()) fail("resolving", ec ? ec : boost::asio::error::host_not_found);
    endpoint = results.begin()->endpoint();
  }
  boost::beast::tcp_stream stream(io_);
  stream.expires_at(deadline_);
  stream.async_connect(endpoint, [&](boost::beast::error_code e) { ec = e; });
  run();
  if (ec) fail("connecting", ec);
  stream.socket().set_option(tcp::no_delay(true), ec);
  if (!options_.tls) {
    plain_.emplace(std::move(stream));
    ++connections_opened_;
    return;
  }
  if (!tls_context_) tls_context_.emplace(make_tls_context(*options_.tls));
  secure_.emplace(std::move(stream), *tls_context_);
  const std::string name = options_.tls->server_name.empty() ? host_ : options_.tls->server_name;
  boost::system::error_code not_ip;
  boost::asio::ip::make_address(name, not_ip);
  if (not_ip) SSL_set_tlsext_host_name(secure_->native_handle(), name.c_str());
  if (!options_.tls->ca_file.empty()) {
    secure_->set_verify_callback(boost::asio::ssl::host_name_verification(name));
  }
  boost::beast::get_lowest_layer(*secure_).expires_at(deadline_);
  secure_->async_handshake(boost::asio::ssl::stream_base::client,
                           [&](boost::beast::error_code e) { ec = e; });
  run();
  if (ec) fail("TLS handshake", ec);
  ++connections_opened_;
}

boost::asio::ssl::context HttpClient::make_tls_context(const TlsClientOptions& tls) {
  boost::asio::ssl::context context(boost::asio::ssl::context::tls_client);
  SSL_CTX* ctx = context.native_handle();
  if (tls.allow_legacy) {
    SSL_CTX_set_security_level(ctx, 0);
    SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0");
  }
  if (tls.min_version != 0) SSL_CTX_set_min_proto_version(ctx, tls.min_version);
  if (tls.max_version != 0) SSL_CTX_set_max_proto_version(ctx, tls.max_version);
  if (!tls.ca_file.empty()) {
    context.load_verify_file(tls.ca_file);
    context.set_verify_mode(boost::asio::ssl::verify_peer);
  } else {
    context.set_verify_mode(boost::asio::ssl::verify_none);
  }
  if (!tls.certificate_file.empty()) {
    context.use_certificate_chain_file(tls.certificate_file);
    context.use_private_key_file(tls.private_key_file, boost::asio::ssl::context::pem);
  }
  return context;
}

HttpResponse HttpClient::read_now(bool head) {
  boost::beast::http::response_parser<boost::beast::http::string_body> parser;
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  parser.header_limit(1u << 20);
  if (head) parser.skip(true);
  boost::beast::error_code ec;
  with_stream([&](auto& stream) {
    boost::beast::http::async_read(stream, buffer_, parser,
                                   [&](boost::beast::error_code e, std::size_t) { ec = e; });
    run();
  });
  if (ec) fail("reading the response", ec);
  auto message = parser.release();
  HttpResponse response;
  response.status = message.result_int();
  response.keep_alive = message.keep_alive();
  response.body = std::move(message.body());
  response.headers = std::move(message.base());
  if (!response.keep_alive) close();
  return response;
}

}  // namespace socialrx::testing
