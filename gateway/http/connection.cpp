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

namespace {

class response_slot {
 public:
  explicit response_slot(std::weak_ptr<connection> session) : session_(std::move(session)) {}
  response_slot(const response_slot&) = delete;
  response_slot& operator=(const response_slot&) = delete;

  ~response_slot() {
    if (answered_.exchange(true, std::memory_order_acq_rel)) return;
    if (auto session = session_.lock()) {
      session->deliver(make_error_response(boost::beast::http::status::internal_server_error,
                                           fhir::IssueType::exception,
                                           "The server did not produce a response to this request.",
                                           true));
    }
  }

  void answer(Response&& response) {
    if (answered_.exchange(true, std::memory_order_acq_rel)) return;
    if (auto session = session_.lock()) session->deliver(std::move(response));
  }

 private:
  std::weak_ptr<connection> session_;
  std::atomic<bool> answered_{false};
};

}  // namespace

Respond make_respond(const std::shared_ptr<connection>& session) {
  auto slot = std::make_shared<response_slot>(session);
  return [slot = std::move(slot)](Response&& response) { slot->answer(std::move(response)); };
}

}  // namespace socialrx::gateway::http::detail
