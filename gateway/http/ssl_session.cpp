#include "gateway/http/ssl_session.hpp"

#include <boost/asio/dispatch.hpp>

#include "gateway/http/tls_context.hpp"

namespace socialrx::gateway::http::detail {

namespace net = boost::asio;

ssl_session::ssl_session(net::ip::tcp::socket&& socket, net::ssl::context& context,
                         std::shared_ptr<server_state> state)
    : session(std::move(state), socket.get_executor(), make_request_context(socket, true)),
      stream_(std::move(socket), context) {}

void ssl_session::run() {
  net::dispatch(stream_.get_executor(), [self = shared_from_this(), this] {
    if (state_->stopping()) return finish();
    lowest().expires_after(options().read_timeout);
    stream_.async_handshake(net::ssl::stream_base::server,
                            [self, this](boost::beast::error_code ec) { on_handshake(ec); });
  });
}

void ssl_session::on_handshake(boost::beast::error_code ec) {
  if (ec) return finish();
  context_.client_certificate_subject = verified_peer_subject(stream_.native_handle());
  do_read();
}

void ssl_session::close_gracefully(bool unread_input) {
  phase_ = phase::closing;
  lowest().expires_after(linger_time());
  if (!unread_input) return shutdown();
  buffer_.clear();
  linger();
}

void ssl_session::linger() {
  stream_.async_read_some(buffer_.prepare(kReadChunk), [self = shared_from_this(), this](
                                                            boost::beast::error_code ec,
                                                            std::size_t bytes) {
    lingered_ += bytes;
    buffer_.clear();
    if (ec == net::error::eof) return shutdown();  // close_notify: answer it
    if (ec || lingered_ > kLingerBytes) return finish();
    linger();
  });
}

void ssl_session::shutdown() {
  phase_ = phase::closing;
  lowest().expires_after(linger_time());
  stream_.async_shutdown(
      [self = shared_from_this(), this](boost::beast::error_code) { finish(); });
}

}  // namespace socialrx::gateway::http::detail
