#include "gateway/mllp/client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <array>
#include <charconv>
#include <mutex>

#include "gateway/mllp/frame.hpp"

namespace socialrx::gateway::mllp {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

std::optional<MllpUrl> parse_mllp_url(std::string_view url) {
  MllpUrl parsed;
  if (url.starts_with("mllps://")) {
    parsed.tls = true;
    url.remove_prefix(8);
  } else if (url.starts_with("mllp://")) {
    url.remove_prefix(7);
  } else {
    return std::nullopt;
  }
  if (url.ends_with('/')) url.remove_suffix(1);
  if (url.empty() || url.find_first_of("/?#@") != std::string_view::npos) return std::nullopt;
  std::string_view port_text;
  if (url.front() == '[') {  // [::1]:2575
    const std::size_t close = url.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    parsed.host = std::string(url.substr(1, close - 1));
    const std::string_view after = url.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port_text = after.substr(1);
      if (port_text.empty()) return std::nullopt;
    }
  } else {
    const std::size_t colon = url.find(':');
    parsed.host = std::string(url.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = url.substr(colon + 1);
      if (port_text.empty()) return std::nullopt;
    }
  }
  if (parsed.host.empty()) return std::nullopt;
  if (!port_text.empty()) {
    unsigned value = 0;
    const auto [at, error] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (error != std::errc() || at != port_text.data() + port_text.size() || value == 0 ||
        value > 65535) {
      return std::nullopt;
    }
    parsed.port = static_cast<std::uint16_t>(value);
  }
  return parsed;
}

namespace {

using TlsStream = beast::ssl_stream<beast::tcp_stream>;
constexpr std::size_t kReadChunk = 16u << 10;

bool is_ip_address(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

std::string openssl_error_text() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

// TLS 1.2 minimum, the peer verified against `ca_file` or the system store; the client
// certificate when one is configured. Empty `problem` on success.
std::shared_ptr<asio::ssl::context> make_client_context(const MllpClientOptions& options,
                                                        std::string& problem) {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  SSL_CTX* ctx = context->native_handle();
  ERR_clear_error();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  context->set_options(asio::ssl::context::default_workarounds |
                       asio::ssl::context::no_compression);
  const int loaded = options.ca_file.empty()
                         ? SSL_CTX_set_default_verify_paths(ctx)
                         : SSL_CTX_load_verify_locations(ctx, options.ca_file.c_str(), nullptr);
  if (loaded != 1) {
    problem = "tls: cannot load the trust anchors" +
              (options.ca_file.empty() ? std::string() : " from '" + options.ca_file + "'") +
              ": " + openssl_error_text();
    return nullptr;
  }
  if (!options.certificate_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx, options.certificate_file.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, options.private_key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
      problem = "tls: cannot use the client certificate '" + options.certificate_file +
                "': " + openssl_error_text();
      return nullptr;
    }
  }
  context->set_verify_mode(asio::ssl::verify_peer);
  return context;
}

// One connection to the peer.
struct Link {
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<TlsStream> secure;

  beast::tcp_stream& lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }
  void close() {
    if (!plain && !secure) return;
    boost::system::error_code ignored;
    lowest().socket().close(ignored);
  }
};

// One exchange, shared with its coroutine (which may outlive a cancelled exchange() briefly).
struct Exchange {
  std::string frame;
  MllpResult result;
  bool finished = false;
  bool reply_started = false;  // a reply byte arrived: never resend blindly after that

  void fail(MllpResult::Error error, const char* stage, const boost::system::error_code& ec) {
    result.error = ec == beast::error::timeout ? MllpResult::Error::timeout : error;
    if (ec == asio::error::eof || ec == asio::error::connection_reset ||
        ec == asio::ssl::error::stream_truncated) {
      if (error == MllpResult::Error::receive) result.error = MllpResult::Error::closed;
    }
    result.reason = std::string(stage) + ": " + (ec == beast::error::timeout ? "timed out" : ec.message());
    finished = true;
  }
};

template <class Stream>
asio::awaitable<void> send_and_receive(Stream& stream, beast::tcp_stream& lowest, Exchange& x,
                                       const MllpClientOptions& options) {
  boost::system::error_code ec;
  lowest.expires_after(options.reply_timeout);
  co_await asio::async_write(stream, asio::buffer(x.frame),
                             asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return x.fail(MllpResult::Error::send, "send", ec);
  FrameDecoder decoder(options.max_reply_size);
  std::array<char, kReadChunk> buffer;
  for (;;) {
    if (auto event = decoder.next()) {
      lowest.expires_never();
      if (event->kind == FrameEvent::Kind::oversized) {
        x.result.error = MllpResult::Error::too_large;
        x.result.reason = "reply: larger than " + std::to_string(options.max_reply_size) + " bytes";
      } else {
        x.result.reply = std::move(event->payload);
      }
      x.finished = true;
      co_return;
    }
    const std::size_t bytes = co_await stream.async_read_some(
        asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return x.fail(MllpResult::Error::receive, "reply", ec);
    if (bytes > 0) x.reply_started = true;
    decoder.feed(std::string_view(buffer.data(), bytes));
  }
}

asio::awaitable<void> run_exchange(std::shared_ptr<Link> link, bool connect,
                                   std::shared_ptr<asio::ssl::context> tls,
                                   std::shared_ptr<Exchange> x, MllpClientOptions options) {
  auto executor = co_await asio::this_coro::executor;
  boost::system::error_code ec;
  if (connect) {
    const auto deadline = std::chrono::steady_clock::now() + options.connect_timeout;
    tcp::resolver resolver(executor);
    const auto endpoints = co_await resolver.async_resolve(
        options.host, std::to_string(options.port), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return x->fail(MllpResult::Error::resolve, "resolve", ec);
    if (tls) {
      link->secure = std::make_unique<TlsStream>(executor, *tls);
      SSL* ssl = link->secure->native_handle();
      // The name (or address) configured is what the certificate must be for; SNI only for names.
      if (is_ip_address(options.host)) {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), options.host.c_str());
      } else {
        SSL_set_tlsext_host_name(ssl, options.host.c_str());
        SSL_set1_host(ssl, options.host.c_str());
      }
    } else {
      link->plain = std::make_unique<beast::tcp_stream>(executor);
    }
    link->lowest().expires_at(deadline);
    co_await link->lowest().async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return x->fail(MllpResult::Error::connect, "connect", ec);
    boost::system::error_code ignored;
    link->lowest().socket().set_option(tcp::no_delay(true), ignored);
    if (link->secure) {
      co_await link->secure->async_handshake(asio::ssl::stream_base::client,
                                             asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        x->fail(MllpResult::Error::tls, "tls", ec);
        if (ec != beast::error::timeout) {
          const long verify = SSL_get_verify_result(link->secure->native_handle());
          if (verify != X509_V_OK) {
            x->result.reason = std::string("tls: ") + X509_verify_cert_error_string(verify);
          }
        }
        co_return;
      }
    }
  }
  if (link->secure) {
    co_await send_and_receive(*link->secure, link->lowest(), *x, options);
  } else {
    co_await send_and_receive(*link->plain, link->lowest(), *x, options);
  }
}

}  // namespace

struct MllpClient::Impl {
  MllpClientOptions options;
  asio::io_context io{1};
  std::shared_ptr<asio::ssl::context> tls;
  std::string tls_problem;
  std::shared_ptr<Link> link;  // the kept connection, when there is one

  std::mutex exchange_mutex;  // one exchange at a time
  std::mutex cancel_mutex;
  bool cancelled = false;
  bool running = false;

  // One attempt on the kept connection (connecting first when there is none).
  std::shared_ptr<Exchange> attempt(const std::string& frame, bool& reused) {
    auto x = std::make_shared<Exchange>();
    x->frame = frame;
    reused = link != nullptr;
    const bool connect = !reused;
    if (connect) link = std::make_shared<Link>();
    io.restart();  // before `running`: a cancel() from now on stops this run
    {
      std::lock_guard lock(cancel_mutex);
      if (cancelled) {
        x->result.error = MllpResult::Error::cancelled;
        x->result.reason = "cancelled";
        return x;
      }
      running = true;
    }
    asio::co_spawn(io, run_exchange(link, connect, tls, x, options), asio::detached);
    // The streams' expiry enforces the deadlines; this bound also covers name resolution.
    io.run_for(options.connect_timeout + options.reply_timeout + std::chrono::milliseconds(500));
    bool was_cancelled = false;
    {
      std::lock_guard lock(cancel_mutex);
      running = false;
      was_cancelled = cancelled;
    }
    if (!x->finished) {
      // Cancelled or out of time: close, then let the coroutine see its operations aborted.
      link->close();
      io.restart();
      io.run();
      x->result = {};
      x->result.error = was_cancelled ? MllpResult::Error::cancelled : MllpResult::Error::timeout;
      x->result.reason = was_cancelled ? "cancelled" : "timed out";
      x->finished = true;
    }
    if (!x->result.ok()) {
      // Whatever went wrong, the connection's state is unknown (a late reply would be taken for
      // the next message's): start afresh next time.
      link->close();
      link.reset();
    }
    return x;
  }
};

MllpClient::MllpClient(MllpClientOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  if (impl_->options.tls) impl_->tls = make_client_context(impl_->options, impl_->tls_problem);
}

MllpClient::~MllpClient() { close(); }

const MllpClientOptions& MllpClient::options() const { return impl_->options; }

void MllpClient::cancel() {
  std::lock_guard lock(impl_->cancel_mutex);
  impl_->cancelled = true;
  if (impl_->running) impl_->io.stop();
}

void MllpClient::close() {
  std::lock_guard lock(impl_->exchange_mutex);
  if (impl_->link) impl_->link->close();
  impl_->link.reset();
}

MllpResult MllpClient::exchange(std::string_view message) {
  std::lock_guard lock(impl_->exchange_mutex);
  if (impl_->options.tls && !impl_->tls) {
    MllpResult result;
    result.error = MllpResult::Error::tls;
    result.reason = impl_->tls_problem;
    return result;
  }
  const std::string frame = encode_frame(message);
  bool reused = false;
  auto x = impl_->attempt(frame, reused);
  const auto error = x->result.error;
  const bool stale = error == MllpResult::Error::send ||
                     (error == MllpResult::Error::closed && !x->reply_started);
  if (reused && stale) {
    // The peer had closed the kept connection (idle timeout, restart): once more on a new one.
    x = impl_->attempt(frame, reused);
  }
  return std::move(x->result);
}

}  // namespace socialrx::gateway::mllp
