#pragma once
// The listening socket: accepts on its own strand, turns away connections over the limit (closed
// at once), sets TCP_NODELAY and starts a plain or TLS session on a strand of its own.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <cstdint>
#include <memory>

#include "gateway/http/server_state.hpp"

namespace socialrx::gateway::http::detail {

class listener : public std::enable_shared_from_this<listener> {
 public:
  // Binds and listens; throws std::runtime_error when it cannot. `tls` may be null (plain HTTP).
  listener(boost::asio::io_context& io, std::shared_ptr<server_state> state,
           boost::asio::ssl::context* tls);

  std::uint16_t port() const { return port_; }
  void start();
  void stop();  // from any thread: closes the listening socket (new connections are refused)

 private:
  void do_accept();
  void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& io_;
  std::shared_ptr<server_state> state_;
  boost::asio::ssl::context* tls_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_;
  std::uint16_t port_ = 0;
};

}  // namespace socialrx::gateway::http::detail
