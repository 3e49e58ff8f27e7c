// Server: owns the io_context, the TLS context and the listener, runs the I/O threads and drives
// stop(): close the listener, tell every session, wait for the last one (or cut them after the
// grace period).

#include "gateway/http/server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <iostream>
#include <limits>
#include <stdexcept>
#include <thread>
#include <vector>

#include "gateway/http/connection.hpp"
#include "gateway/http/listener.hpp"
#include "gateway/http/server_state.hpp"
#include "gateway/http/tls_context.hpp"

namespace socialrx::gateway::http {

namespace net = boost::asio;

namespace {

ServerOptions checked(ServerOptions options) {
  if (options.threads < 1) options.threads = 1;
  if (options.max_connections == 0) throw std::runtime_error("HTTP: max_connections must be > 0");
  if (options.header_limit == 0 || options.header_limit > std::numeric_limits<std::uint32_t>::max()) {
    throw std::runtime_error("HTTP: header_limit must be between 1 and 4294967295");
  }
  if (options.read_timeout.count() <= 0 || options.idle_timeout.count() <= 0) {
    throw std::runtime_error("HTTP: timeouts must be positive");
  }
  return options;
}

}  // namespace

struct Server::Impl {
  Impl(ServerOptions options, Handler& handler)
      : tls(options.tls ? std::optional<net::ssl::context>(make_server_tls_context(*options.tls))
                        : std::nullopt),
        io(options.threads),
        state(std::make_shared<detail::server_state>(std::move(options), handler, io.get_executor())),
        listener(std::make_shared<detail::listener>(io, state, tls ? &*tls : nullptr)),
        control(net::make_strand(io)),
        grace_timer(control) {
    state->on_drained([this] {
      net::post(control, [this] {
        drained = true;
        grace_timer.cancel();
      });
    });
    listener->start();
  }

  ~Impl() {
    // No I/O thread runs any more (run() returned or never ran): release the sessions still
    // waiting for a handler; a Respond called later finds the Server gone and does nothing.
    auto remaining = state->shut_down();
    for (const auto& connection : remaining) connection->abandon();
  }

  void run_io() {
    for (;;) {
      try {
        io.run();
        return;
      } catch (const std::exception& error) {
        std::cerr << "http: unexpected error on an I/O thread: " << error.what() << '\n';
      } catch (...) {
        std::cerr << "http: unexpected error on an I/O thread\n";
      }
    }
  }

  // On the control strand.
  void begin_stop(std::chrono::milliseconds grace) {
    const auto deadline = std::chrono::steady_clock::now() + grace;
    if (stop_started) {
      // A second stop() may only shorten the grace period.
      if (!drained && deadline < grace_timer.expiry()) arm_grace_timer(deadline);
      return;
    }
    stop_started = true;
    listener->stop();
    for (const auto& connection : state->snapshot()) {
      net::post(connection->executor(), [connection] { connection->on_server_stop(); });
    }
    if (state->open_connections() == 0) {
      drained = true;
      return;
    }
    arm_grace_timer(deadline);
  }

  void arm_grace_timer(std::chrono::steady_clock::time_point deadline) {
    grace_timer.expires_at(deadline);
    const unsigned generation = ++grace_generation;
    grace_timer.async_wait([this, generation](boost::system::error_code ec) {
      if (ec || drained || generation != grace_generation) return;
      for (const auto& connection : state->snapshot()) {
        net::post(connection->executor(), [connection] { connection->on_grace_expired(); });
      }
    });
  }

  // Destroyed in reverse order: the io_context (and the sessions its queued handlers hold) goes
  // before the TLS context their SSL objects came from.
  std::optional<net::ssl::context> tls;
  net::io_context io;
  std::shared_ptr<detail::server_state> state;
  std::shared_ptr<detail::listener> listener;
  net::strand<net::io_context::executor_type> control;
  net::steady_timer grace_timer;
  // On the control strand:
  bool stop_started = false;
  bool drained = false;
  unsigned grace_generation = 0;
};

Server::Server(ServerOptions options, Handler& handler)
    : impl_(std::make_unique<Impl>(checked(std::move(options)), handler)) {}

Server::~Server() = default;

std::uint16_t Server::port() const { return impl_->listener->port(); }

void Server::run() {
  const int threads = impl_->state->options().threads;
  std::vector<std::thread> extra;
  extra.reserve(static_cast<std::size_t>(threads - 1));
  for (int i = 1; i < threads; ++i) extra.emplace_back([this] { impl_->run_io(); });
  impl_->run_io();
  for (auto& thread : extra) thread.join();
}

void Server::stop(std::chrono::milliseconds grace) {
  impl_->state->begin_stop();
  net::post(impl_->control, [impl = impl_.get(), grace] { impl->begin_stop(grace); });
}

std::size_t Server::open_connections() const { return impl_->state->open_connections(); }

}  // namespace socialrx::gateway::http
