#pragma once
// A session over plain TCP.

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <memory>

#include "gateway/http/session.hpp"

namespace socialrx::gateway::http::detail {

class plain_session final : public session<plain_session> {
 public:
  plain_session(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<server_state> state);

  boost::beast::tcp_stream& stream() { return stream_; }

  // Sends FIN, then reads and discards what the peer still sends (bounded in time and bytes)
  // before closing, so that the response just written is not destroyed by a reset.
  void close_gracefully(bool unread_input);
  void close_after_eof() { finish(); }

 private:
  void run() override;
  void linger();

  boost::beast::tcp_stream stream_;
  std::size_t lingered_ = 0;
};

}  // namespace socialrx::gateway::http::detail
