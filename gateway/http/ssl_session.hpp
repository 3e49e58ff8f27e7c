#pragma once
// A session over TLS (OpenSSL through Asio): handshake under the read timeout, the verified client
// certificate's subject into RequestContext, close_notify on close.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <memory>

#include "gateway/http/session.hpp"

namespace socialrx::gateway::http::detail {

class ssl_session final : public session<ssl_session> {
 public:
  ssl_session(boost::asio::ip::tcp::socket&& socket, boost::asio::ssl::context& context,
              std::shared_ptr<server_state> state);

  boost::beast::ssl_stream<boost::beast::tcp_stream>& stream() { return stream_; }

  // Sends close_notify and waits (bounded) for the peer's. With unread input, first reads and
  // discards what the peer still sends until it closes (bounded in time and bytes): a TLS shutdown
  // that meets application data fails, and closing then would reset the connection and destroy the
  // response just written.
  void close_gracefully(bool unread_input);
  void close_after_eof() { shutdown(); }

 private:
  void run() override;
  void on_handshake(boost::beast::error_code ec);
  void linger();
  void shutdown();

  boost::beast::ssl_stream<boost::beast::tcp_stream> stream_;
  std::size_t lingered_ = 0;
};

}  // namespace socialrx::gateway::http::detail
