#pragma once
// A recipient's FHIR server for outbox tests: the gateway's own Beast server (plain or TLS) on
// 127.0.0.1 with a Handler that records every request and answers with the status a script
// chooses (200 by default). It can be started later on a port picked beforehand, so that a
// destination is "down" (nothing listening) first and comes up afterwards.

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gateway/http/server.hpp"

namespace socialrx::testing {

struct ReceivedRequest {
  std::string method;
  std::string target;
  std::string idempotency_key;
  std::string authorization;
  std::string content_type;
  std::string accept;
  std::string body;
};

class RecordingHandler final : public gateway::http::Handler {
 public:
  // Chooses the status for the n-th request (0-based) to its target; 0: no answer until teardown.
  using Script = std::function<unsigned(const ReceivedRequest&, std::size_t n)>;

  void handle(gateway::http::Request&& request, const gateway::http::RequestContext&,
              gateway::http::Respond respond) override {
    ReceivedRequest received{std::string(request.method_string()),
                             std::string(request.target()),
                             std::string(request["Idempotency-Key"]),
                             std::string(request["Authorization"]),
                             std::string(request["Content-Type"]),
                             std::string(request["Accept"]),
                             request.body()};
    unsigned status = 200;
    {
      std::lock_guard lock(mutex_);
      std::size_t n = 0;
      for (const auto& earlier : requests_) n += earlier.target == received.target ? 1 : 0;
      requests_.push_back(received);
      if (script_) status = script_(received, n);
      if (status == 0) {  // hang: answered at teardown
        held_.push_back(std::move(respond));
        return;
      }
    }
    gateway::http::Response response{static_cast<boost::beast::http::status>(status), 11};
    response.set(boost::beast::http::field::content_type, "application/fhir+json");
    response.body() = R"({"resourceType":"OperationOutcome","issue":[{"severity":"information","code":"informational"}]})";
    response.prepare_payload();
    respond(std::move(response));
  }

  void set_script(Script script) {
    std::lock_guard lock(mutex_);
    script_ = std::move(script);
  }
  std::vector<ReceivedRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::size_t count(const std::string& idempotency_key) const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& r : requests_) n += r.idempotency_key == idempotency_key ? 1 : 0;
    return n;
  }
  void release_held() {
    std::vector<gateway::http::Respond> held;
    {
      std::lock_guard lock(mutex_);
      held.swap(held_);
    }
    for (auto& respond : held) {
      gateway::http::Response response{boost::beast::http::status::service_unavailable, 11};
      response.prepare_payload();
      respond(std::move(response));
    }
  }

 private:
  mutable std::mutex mutex_;
  Script script_;
  std::vector<ReceivedRequest> requests_;
  std::vector<gateway::http::Respond> held_;
};

class TestDestination {
 public:
  explicit TestDestination(std::uint16_t port, std::optional<gateway::http::TlsOptions> tls = {})
      : port_(port), tls_(std::move(tls)) {}
  ~TestDestination() { stop(); }

  void start() {
    gateway::http::ServerOptions options;
    options.host = "127.0.0.1";
    options.port = port_;
    options.tls = tls_;
    options.threads = 1;
    server_ = std::make_unique<gateway::http::Server>(options, handler_);
    thread_ = std::thread([this] { server_->run(); });
  }
  void stop() {
    if (!server_) return;
    handler_.release_held();
    server_->stop(std::chrono::milliseconds(500));
    thread_.join();
    server_.reset();
  }

  RecordingHandler& handler() { return handler_; }
  // "http(s)://127.0.0.1:PORT/fhir"
  std::string base_url(const std::string& host = "127.0.0.1") const {
    return std::string(tls_ ? "https" : "http") + "://" + host + ":" + std::to_string(port_) + "/fhir";
  }

 private:
  std::uint16_t port_;
  std::optional<gateway::http::TlsOptions> tls_;
  RecordingHandler handler_;
  std::unique_ptr<gateway::http::Server> server_;
  std::thread thread_;
};

}  // namespace socialrx::testing
