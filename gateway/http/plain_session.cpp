#include "gateway/http/plain_session.hpp"

#include <boost/asio/dispatch.hpp>

namespace socialrx::gateway::http::detail {

namespace net = boost::asio;
using tcp = net::ip::tcp;

plain_session::plain_session(tcp::socket&& socket, std::shared_ptr<server_state> state)
    : session(std::move(state), socket.get_executor(), make_request_context(socket, false)),
      stream_(std::move(socket)) {}

void plain_session::run() {
  net::dispatch(stream_.get_executor(), [self = shared_from_this(), this] { do_read(); });
}

void plain_session::close_gracefully(bool /*unread_input: always drained*/) {
  phase_ = phase::closing;
  boost::system::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec) return finish();
  buffer_.clear();
  lowest().expires_after(linger_time());
  linger();
}

void plain_session::linger() {
  stream_.async_read_some(buffer_.prepare(kReadChunk), [self = shared_from_this(), this](
                                                            boost::beast::error_code ec,
                                                            std::size_t bytes) {
    lingered_ += bytes;
    buffer_.clear();
    if (ec || lingered_ > kLingerBytes) return finish();  // eof: the peer closed too
    linger();
  });
}

}  // namespace socialrx::gateway::http::detail
