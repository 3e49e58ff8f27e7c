#include "gateway/http/listener.hpp"

#include <boost/asio/post.hpp>

#include <chrono>
#include <stdexcept>
#include <string>

#include "gateway/http/plain_session.hpp"
#include "gateway/http/ssl_session.hpp"

namespace socialrx::gateway::http::detail {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

tcp::endpoint resolve(net::io_context& io, const std::string& host, std::uint16_t port) {
  boost::system::error_code ec;
  const auto address = net::ip::make_address(host, ec);
  if (!ec) return {address, port};
  tcp::resolver resolver(io);
  const auto results = resolver.resolve(host, std::to_string(port), tcp::resolver::passive, ec);
  if (ec || results.empty()) {
    throw std::runtime_error("HTTP: cannot resolve '" + host + "': " +
                             (ec ? ec.message() : std::string("no address")));
  }
  return results.begin()->endpoint();
}

}  // namespace

listener::listener(net::io_context& io, std::shared_ptr<server_state> state,
                   net::ssl::context* tls)
    : io_(io),
      state_(std::move(state)),
      tls_(tls),
      strand_(net::make_strand(io)),
      acceptor_(strand_),
      retry_(strand_) {
  const auto& options = state_->options();
  const tcp::endpoint endpoint = resolve(io, options.host, options.port);
  const auto fail = [&](const char* step, const boost::system::error_code& ec) {
    throw std::runtime_error("HTTP: cannot " + std::string(step) + " " + options.host + ":" +
                             std::to_string(options.port) + ": " + ec.message());
  };
  boost::system::error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (ec) fail("open a socket for", ec);
  acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) fail("set SO_REUSEADDR for", ec);
  acceptor_.bind(endpoint, ec);
  if (ec) fail("bind", ec);
  acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) fail("listen on", ec);
  port_ = acceptor_.local_endpoint(ec).port();
  if (ec) fail("read the port of", ec);
}

void listener::start() {
  net::post(strand_, [self = shared_from_this()] { self->do_accept(); });
}

void listener::stop() {
  net::post(strand_, [self = shared_from_this()] {
    boost::system::error_code ignored;
    self->acceptor_.close(ignored);
    self->retry_.cancel();
  });
}

void listener::do_accept() {
  if (!acceptor_.is_open()) return;
  // Each connection gets its own strand: its handlers never run concurrently.
  acceptor_.async_accept(net::make_strand(io_), [self = shared_from_this()](
                                                    boost::system::error_code ec,
                                                    tcp::socket socket) {
    self->on_accept(ec, std::move(socket));
  });
}

void listener::on_accept(boost::system::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
  if (ec) {
    // Out of descriptors or memory: back off briefly instead of spinning.
    retry_.expires_after(std::chrono::milliseconds(50));
    retry_.async_wait([self = shared_from_this()](boost::system::error_code wait_ec) {
      if (!wait_ec) self->do_accept();
    });
    return;
  }
  boost::system::error_code ignored;
  if (state_->stopping() || state_->open_connections() >= state_->options().max_connections) {
    socket.close(ignored);
    return do_accept();
  }
  socket.set_option(tcp::no_delay(true), ignored);
  std::shared_ptr<connection> session;
  if (tls_ != nullptr) {
    session = std::make_shared<ssl_session>(std::move(socket), *tls_, state_);
  } else {
    session = std::make_shared<plain_session>(std::move(socket), state_);
  }
  session->start();
  do_accept();
}

}  // namespace socialrx::gateway::http::detail
