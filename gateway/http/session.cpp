#include "gateway/http/session.hpp"

namespace socialrx::gateway::http::detail {

RequestContext make_request_context(const boost::asio::ip::tcp::socket& socket, bool tls) {
  RequestContext context;
  context.tls = tls;
  boost::system::error_code ec;
  const auto peer = socket.remote_endpoint(ec);
  if (!ec) {
    const auto address = peer.address();
    context.peer = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
    context.peer += ":" + std::to_string(peer.port());
  }
  return context;
}

}  // namespace socialrx::gateway::http::detail
