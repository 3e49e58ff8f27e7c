#pragma once
// What the listener, the sessions and the Server share: options, the handler, the registry of open
// connections (for stop and the connection limit) and whether the Server still exists (a Respond
// may be called after it is gone and must then do nothing).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>

#include <atomic>
#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "gateway/http/server.hpp"

namespace socialrx::gateway::http::detail {

class connection;

class server_state {
 public:
  using registry = std::list<std::weak_ptr<connection>>;

  // `io` is the io_context's own executor (not a strand): copies of it may outlive the io_context,
  // which a strand's may not (its implementation belongs to a service of the io_context).
  server_state(ServerOptions options, Handler& handler, boost::asio::any_io_executor io)
      : options_(std::move(options)), handler_(handler), io_(std::move(io)) {}

  const ServerOptions& options() const { return options_; }
  Handler& handler() const { return handler_; }
  const boost::asio::any_io_executor& io_executor() const { return io_; }

  bool stopping() const { return stopping_.load(std::memory_order_acquire); }
  void begin_stop() { stopping_.store(true, std::memory_order_release); }

  std::size_t open_connections() const { return open_.load(std::memory_order_acquire); }

  // Adds an accepted connection; the returned position is handed back to remove().
  registry::iterator add(std::weak_ptr<connection> connection);
  // Removes a closed connection; when stopping and none is left, calls the drained callback.
  void remove(registry::iterator position);
  // The open connections (for stop and the grace cut).
  std::vector<std::shared_ptr<connection>> snapshot() const;

  // Called (under the registry lock; it must only post) when the last connection closed after
  // stop began.
  void on_drained(std::function<void()> callback);

  // Posts `handler` to `executor` unless the Server is gone; returns whether it posted.
  template <class Executor, class Handler_>
  bool post_if_alive(const Executor& executor, Handler_&& handler) const {
    std::lock_guard lock(mutex_);
    if (!alive_) return false;
    boost::asio::post(executor, std::forward<Handler_>(handler));
    return true;
  }

  // The Server is being destroyed: later posts do nothing. Returns the connections still
  // registered so that the Server can release them.
  std::vector<std::shared_ptr<connection>> shut_down();

 private:
  const ServerOptions options_;
  Handler& handler_;
  const boost::asio::any_io_executor io_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> open_{0};

  mutable std::mutex mutex_;
  bool alive_ = true;
  registry connections_;
  std::function<void()> drained_;
};

}  // namespace socialrx::gateway::http::detail
