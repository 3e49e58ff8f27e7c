#include "gateway/http/connection.hpp"

#include <atomic>
#include <utility>

#include "gateway/http/error_response.hpp"

namespace socialrx::gateway::http::detail {

connection::connection(std::shared_ptr<server_state> state, boost::asio::any_io_executor executor)
    : state_(std::move(state)), executor_(std::move(executor)) {}

connection::~connection() { unregister(); }

void connection::start() {
  registration_ = state_->add(weak_from_this());
  run();
}

void connection::unregister() {
  if (registration_) {
    state_->remove(*registration_);
    registration_.reset();
  }
}

void connection::deliver(Response&& response) {
  state_->post_if_alive(executor_, [self = shared_from_this(),
                                    response = std::move(response)]() mutable {
    self->on_response(std::move(response));
  });
}

void connection::deliver(std::weak_ptr<connection> session, const server_state& state,
                         Response&& response) {
  // The session is locked on an I/O thread, never here: a strong reference taken on a handler's
  // thread could be the last one and destroy the session there, after the Server and its
  // io_context are gone. For the same reason nothing here holds the session's strand.
  state.post_if_alive(state.io_executor(), [session = std::move(session),
                                            response = std::move(response)]() mutable {
    if (auto self = session.lock()) self->deliver(std::move(response));
  });
}

namespace {

class response_slot {
 public:
  explicit response_slot(const std::shared_ptr<connection>& session)
      : session_(session), state_(session->state()) {}
  response_slot(const response_slot&) = delete;
  response_slot& operator=(const response_slot&) = delete;

  // Every copy of the Respond is gone and none was called: a handler bug; answer 500.
  ~response_slot() {
    if (answered_.exchange(true, std::memory_order_acq_rel)) return;
    try {
      connection::deliver(std::move(session_), *state_,
                          make_error_response(boost::beast::http::status::internal_server_error,
                                              fhir::IssueType::exception,
                                              "The server did not produce a response to this request.",
                                              true));
    } catch (...) {
      // Out of memory: the grace cut or the peer's timeout ends the connection.
    }
  }

  void answer(Response&& response) {
    if (answered_.exchange(true, std::memory_order_acq_rel)) return;
    connection::deliver(session_, *state_, std::move(response));
  }

 private:
  std::weak_ptr<connection> session_;
  const std::shared_ptr<server_state> state_;
  std::atomic<bool> answered_{false};
};

}  // namespace

Respond make_respond(const std::shared_ptr<connection>& session) {
  auto slot = std::make_shared<response_slot>(session);
  return [slot = std::move(slot)](Response&& response) { slot->answer(std::move(response)); };
}

}  // namespace socialrx::gateway::http::detail
