#pragma once
// One HTTP/1.1 connection, the same for plain TCP and TLS (the CRTP skeleton of Beast's advanced
// server): wait for a request (idle timeout), read it (read timeout from its first byte; header
// and body limits), hand it to the Handler, wait for its Respond (posted back onto this strand),
// write the response, and either read the next request or close. Pipelined requests stay in the
// buffer until the previous response is written, so they are answered in order.
//
// Derived provides: stream(), close_gracefully(unread_input) (after a response with
// `Connection: close`; `unread_input` when the request was not read to its end, e.g. after a 413)
// and close_after_eof() (the peer closed between requests). Every member runs on the strand.

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "gateway/http/connection.hpp"
#include "gateway/http/error_response.hpp"

namespace socialrx::gateway::http::detail {

// A connection that closes waits this long (at most) for the peer to stop sending, so that request
// bytes we did not read do not turn our close into a reset that destroys the response in flight;
// over TLS it is the wait for the peer's close_notify.
inline constexpr std::chrono::milliseconds kLingerTime{2'000};
inline constexpr std::size_t kLingerBytes = 64u << 20;
inline constexpr std::size_t kReadChunk = 16u << 10;

RequestContext make_request_context(const boost::asio::ip::tcp::socket& socket, bool tls);

template <class Derived>
class session : public connection {
 public:
  session(std::shared_ptr<server_state> state, boost::asio::any_io_executor executor,
          RequestContext context)
      : connection(std::move(state), std::move(executor)), context_(std::move(context)) {}

  void on_server_stop() override {
    // Idle (or still shaking hands): close now. Reading, handling or writing: the response goes
    // out with `Connection: close`.
    if (phase_ == phase::starting || phase_ == phase::idle) lowest().close();
  }

  void on_grace_expired() override {
    if (phase_ == phase::closed) return;
    if (phase_ == phase::handling) return finish();  // no operation pending: close here
    lowest().close();  // the pending operation fails and finishes the session
  }

 protected:
  enum class phase { starting, idle, reading, handling, writing, closing, closed };

  Derived& derived() { return static_cast<Derived&>(*this); }
  auto& lowest() { return boost::beast::get_lowest_layer(derived().stream()); }
  const ServerOptions& options() const { return state_->options(); }
  std::chrono::milliseconds linger_time() const {
    return std::min(options().read_timeout, std::chrono::milliseconds(kLingerTime));
  }

  // Wraps a member function as a completion handler that keeps the session alive.
  template <class... Args>
  auto bind(void (session::*member)(Args...)) {
    return [self = shared_from_this(), this, member](Args... args) {
      (this->*member)(std::forward<Args>(args)...);
    };
  }

  // --- reading ---------------------------------------------------------------------------------

  void do_read() {
    if (phase_ == phase::closed) return;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(options().header_limit, std::numeric_limits<std::uint32_t>::max())));
    parser_->body_limit(static_cast<std::uint64_t>(options().body_limit));
    if (buffer_.size() > 0) return read_header();  // a pipelined request is already here
    if (state_->stopping()) return finish();
    phase_ = phase::idle;
    lowest().expires_after(options().idle_timeout);
    derived().stream().async_read_some(buffer_.prepare(kReadChunk), bind(&session::on_first_bytes));
  }

  void on_first_bytes(boost::beast::error_code ec, std::size_t bytes) {
    if (ec == boost::asio::error::eof && phase_ == phase::idle) return derived().close_after_eof();
    if (ec) return finish();
    buffer_.commit(bytes);
    read_header();
  }

  void read_header() {
    phase_ = phase::reading;
    // One deadline for the whole request, from its first byte (a slow sender cannot extend it).
    lowest().expires_after(options().read_timeout);
    boost::beast::http::async_read_header(derived().stream(), buffer_, *parser_,
                                          bind(&session::on_header));
  }

  void on_header(boost::beast::error_code ec, std::size_t) {
    if (ec) return on_read_error(ec);
    if (parser_->is_done()) return on_request();
    const auto& request = parser_->get();
    if (request.version() >= 11 &&
        boost::beast::iequals(request[boost::beast::http::field::expect], "100-continue")) {
      continue_.version(11);
      continue_.result(boost::beast::http::status::continue_);
      return boost::beast::http::async_write(derived().stream(), continue_,
                                             bind(&session::on_continue_written));
    }
    read_body();
  }

  void on_continue_written(boost::beast::error_code ec, std::size_t) {
    if (ec) return finish();
    read_body();
  }

  void read_body() {
    boost::beast::http::async_read(derived().stream(), buffer_, *parser_, bind(&session::on_body));
  }

  void on_body(boost::beast::error_code ec, std::size_t) {
    if (ec) return on_read_error(ec);
    on_request();
  }

  void on_read_error(boost::beast::error_code ec) {
    namespace bhttp = boost::beast::http;
    using fhir::IssueType;
    if (ec == bhttp::error::body_limit) {
      return send_error(bhttp::status::payload_too_large, IssueType::too_long,
                        "The request body is larger than the limit of " +
                            std::to_string(options().body_limit) + " bytes.");
    }
    if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
      return send_error(bhttp::status::request_header_fields_too_large, IssueType::too_long,
                        "The request line and header fields are larger than the limit of " +
                            std::to_string(options().header_limit) + " bytes.");
    }
    if (is_malformed(ec)) {
      return send_error(bhttp::status::bad_request, IssueType::structure,
                        "The request is not a well-formed HTTP/1.1 message.");
    }
    // Timeouts, resets, the peer closing mid-request, TLS errors: nothing to answer.
    finish();
  }

  static bool is_malformed(boost::beast::error_code ec) {
    namespace bhttp = boost::beast::http;
    if (ec.category() != bhttp::make_error_code(bhttp::error::bad_method).category()) return false;
    switch (static_cast<bhttp::error>(ec.value())) {
      case bhttp::error::end_of_stream:
      case bhttp::error::partial_message:
      case bhttp::error::need_more:
      case bhttp::error::need_buffer:
      case bhttp::error::end_of_chunk:
      case bhttp::error::stale_parser:
      case bhttp::error::short_read:
        return false;
      default:
        return true;
    }
  }

  // --- handling --------------------------------------------------------------------------------

  void on_request() {
    namespace bhttp = boost::beast::http;
    Request request = parser_->release();
    parser_.reset();
    request_keep_alive_ = request.keep_alive();
    request_version_ = request.version();
    request_is_head_ = request.method() == bhttp::verb::head;
    if (request.version() >= 11 && request.find(bhttp::field::host) == request.end()) {
      return send_error(bhttp::status::bad_request, fhir::IssueType::structure,
                        "An HTTP/1.1 request must have a Host header field.");
    }
    phase_ = phase::handling;
    lowest().expires_never();
    hold_self();  // until the response arrives (or the grace period ends)
    Respond respond = make_respond(shared_from_this());
    try {
      state_->handler().handle(std::move(request), context_, respond);
    } catch (...) {
      // Ignored when the handler answered before it threw.
      respond(make_error_response(bhttp::status::internal_server_error,
                                  fhir::IssueType::exception,
                                  "The server failed while processing this request.", true));
    }
  }

  void on_response(Response&& response) override {
    if (phase_ != phase::handling) return;  // cut after the grace period
    release_self();  // the posted handler holds the session
    send_response(std::move(response), request_keep_alive_);
  }

  // --- writing ---------------------------------------------------------------------------------

  void send_error(boost::beast::http::status status, fhir::IssueType code,
                  std::string diagnostics) {
    request_is_head_ = false;
    unread_input_ = true;
    send_response(make_error_response(status, code, std::move(diagnostics), false), false);
  }

  void send_response(Response&& response, bool keep_alive) {
    keep_alive = keep_alive && response.keep_alive() && !state_->stopping();
    response_ = std::move(response);
    frame_response(keep_alive);
    phase_ = phase::writing;
    lowest().expires_after(options().read_timeout);
    boost::beast::http::async_write(derived().stream(), response_,
                                    [self = shared_from_this(), this, keep_alive](
                                        boost::beast::error_code ec, std::size_t) {
                                      on_write(ec, keep_alive);
                                    });
  }

  // Connection and framing headers follow the body the handler gave, whatever it claimed.
  void frame_response(bool keep_alive) {
    namespace bhttp = boost::beast::http;
    response_.keep_alive(keep_alive);
    // An HTTP/1.0 client keeps the connection only when told so.
    if (keep_alive && request_version_ < 11) response_.set(bhttp::field::connection, "keep-alive");
    const unsigned status = response_.result_int();
    if (status / 100 == 1 || status == 204 || status == 304) {
      response_.body().clear();
      response_.erase(bhttp::field::transfer_encoding);
      if (status != 304) response_.erase(bhttp::field::content_length);
      return;
    }
    if (request_is_head_) {
      // A HEAD response announces the length of the GET body and carries none.
      response_.chunked(false);
      if (!response_.has_content_length()) response_.content_length(response_.body().size());
      response_.body().clear();
      return;
    }
    if (!response_.chunked()) response_.content_length(response_.body().size());
  }

  void on_write(boost::beast::error_code ec, bool keep_alive) {
    response_ = Response{};
    if (ec) return finish();
    if (!keep_alive) return derived().close_gracefully(unread_input_);
    do_read();
  }

  // --- closing ---------------------------------------------------------------------------------

  // Closes the socket and unregisters; the session object goes when the last handler holding it
  // returns. The caller holds a reference (every completion handler does).
  void finish() {
    if (phase_ == phase::closed) return;
    phase_ = phase::closed;
    lowest().close();
    parser_.reset();
    buffer_.clear();
    buffer_.shrink_to_fit();
    unregister();
    release_self();
  }

  phase phase_ = phase::starting;
  RequestContext context_;
  boost::beast::flat_buffer buffer_;  // reused across the requests of the connection

 private:
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  boost::beast::http::response<boost::beast::http::empty_body> continue_;
  Response response_;
  bool request_keep_alive_ = false;
  unsigned request_version_ = 11;
  bool request_is_head_ = false;
  bool unread_input_ = false;
};

}  // namespace socialrx::gateway::http::detail
