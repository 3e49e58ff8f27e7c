#pragma once
// The part of a session that is the same for plain and TLS streams and that other threads touch:
// its executor (a strand), its registration with the server, and the entry points the Server and a
// Respond use. Everything except deliver() runs on the session's strand.

#include <boost/asio/any_io_executor.hpp>

#include <memory>
#include <optional>

#include "gateway/http/server.hpp"
#include "gateway/http/server_state.hpp"

namespace socialrx::gateway::http::detail {

class connection : public std::enable_shared_from_this<connection> {
 public:
  connection(std::shared_ptr<server_state> state, boost::asio::any_io_executor executor);
  virtual ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  const boost::asio::any_io_executor& executor() const { return executor_; }

  // Registers with the server (counted in open_connections()) and starts the session.
  void start();

  // From any thread: hands a response to the session's strand (a Respond lands here). Does nothing
  // once the Server is gone.
  void deliver(Response&& response);
  // The same for a session known only by a weak reference (a Respond): does nothing if the Server
  // is gone or the session closed meanwhile.
  static void deliver(std::weak_ptr<connection> session, const server_state& state,
                      Response&& response);
  const std::shared_ptr<server_state>& state() const { return state_; }

  // On the strand: stop() began; close if idle, else answer the current request with
  // `Connection: close`.
  virtual void on_server_stop() = 0;
  // On the strand: the grace period is over; close now.
  virtual void on_grace_expired() = 0;
  // No I/O thread runs any more and the Server is being destroyed: drop the self-reference held
  // while waiting for the handler (called with a shared_ptr held by the caller).
  void abandon() { self_.reset(); }

 protected:
  virtual void run() = 0;
  virtual void on_response(Response&& response) = 0;

  // Keeps the session alive while the handler holds its Respond (the Respond itself holds only a
  // weak reference, so that a forgotten Respond cannot keep the socket open past the Server).
  void hold_self() { self_ = shared_from_this(); }
  void release_self() { self_.reset(); }
  // Closed: no longer counted, stop() no longer waits for it.
  void unregister();

  const std::shared_ptr<server_state> state_;

 private:
  boost::asio::any_io_executor executor_;
  std::optional<server_state::registry::iterator> registration_;
  std::shared_ptr<connection> self_;
};

// The Respond given to the Handler for one request. Calls after the first are ignored; if every
// copy is destroyed without a call, the session answers 500 instead of waiting forever.
Respond make_respond(const std::shared_ptr<connection>& session);

}  // namespace socialrx::gateway::http::detail
