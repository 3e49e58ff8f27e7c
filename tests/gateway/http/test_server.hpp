#pragma once
// A small Handler and a running Server for the HTTP server tests.
//
// Routes (path before '?'):
//   /echo          200, body = request body; X-Method and X-Target echo the request line
//   /ctx           200, "peer=…\ntls=0|1\nsubject=…"
//   /delay?ms=N&id=X   answered from another thread after N ms, body X
//   /hold          kept until the test calls release_held()
//   /drop          the Respond is dropped without a call (→ 500 by the server)
//   /throw         the handler throws (→ 500)
//   /twice         answers twice (the second is ignored)
//   /close         answers with `Connection: close`
//   anything else  200, body = target

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gateway/http/server.hpp"

namespace socialrx::testing {

namespace http = gateway::http;

// Runs functions on one thread at given times (the "database writer" of the tests). Whatever is
// still queued when it is destroyed runs then.
class DelayedRunner {
 public:
  DelayedRunner() : thread_([this] { loop(); }) {}
  ~DelayedRunner() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  void after(std::chrono::milliseconds delay, std::function<void()> task) {
    {
      std::lock_guard lock(mutex_);
      tasks_.emplace(std::chrono::steady_clock::now() + delay, std::move(task));
    }
    wake_.notify_all();
  }

 private:
  void loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
      if (tasks_.empty()) {
        if (done_) return;
        wake_.wait(lock);
        continue;
      }
      auto first = tasks_.begin();
      if (!done_ && first->first > std::chrono::steady_clock::now()) {
        wake_.wait_until(lock, first->first);
        continue;
      }
      auto task = std::move(first->second);
      tasks_.erase(first);
      lock.unlock();
      task();
      lock.lock();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::multimap<std::chrono::steady_clock::time_point, std::function<void()>> tasks_;
  bool done_ = false;
  std::thread thread_;
};

inline std::string query_value(const std::string& target, const std::string& key) {
  const auto query = target.find('?');
  if (query == std::string::npos) return {};
  std::size_t at = query + 1;
  while (at < target.size()) {
    const auto end = std::min(target.find('&', at), target.size());
    const std::string pair = target.substr(at, end - at);
    const auto equals = pair.find('=');
    if (pair.substr(0, equals) == key) {
      return equals == std::string::npos ? std::string() : pair.substr(equals + 1);
    }
    at = end + 1;
  }
  return {};
}

inline http::Response text_response(std::string body,
                                    boost::beast::http::status status = boost::beast::http::status::ok) {
  http::Response response{status, 11};
  response.set(boost::beast::http::field::content_type, "text/plain");
  response.body() = std::move(body);
  return response;
}

class TestHandler : public http::Handler {
 public:
  void handle(http::Request&& request, const http::RequestContext& context,
              http::Respond respond) override {
    ++requests_;
    const std::string target(request.target());
    const std::string path = target.substr(0, target.find('?'));
    if (path == "/echo") {
      auto response = text_response(std::move(request.body()));
      response.set("X-Method", std::string(request.method_string()));
      response.set("X-Target", target);
      return respond(std::move(response));
    }
    if (path == "/ctx") {
      return respond(text_response("peer=" + context.peer + "\ntls=" + (context.tls ? "1" : "0") +
                                   "\nsubject=" + context.client_certificate_subject));
    }
    if (path == "/delay") {
      const int ms = std::stoi("0" + query_value(target, "ms"));
      const std::string id = query_value(target, "id");
      runner_.after(std::chrono::milliseconds(ms),
                    [respond = std::move(respond), id] { respond(text_response(id)); });
      return;
    }
    if (path == "/hold") {
      {
        std::lock_guard lock(mutex_);
        held_.push_back(std::move(respond));
      }
      held_changed_.notify_all();
      return;
    }
    if (path == "/drop") return;
    if (path == "/throw") throw std::runtime_error("handler bug");
    if (path == "/twice") {
      respond(text_response("first"));
      respond(text_response("second"));
      return;
    }
    if (path == "/close") {
      auto response = text_response("bye");
      response.keep_alive(false);
      return respond(std::move(response));
    }
    respond(text_response(target));
  }

  int requests() const { return requests_.load(); }

  // Waits until `count` /hold requests are held.
  bool wait_held(std::size_t count, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock lock(mutex_);
    return held_changed_.wait_for(lock, timeout, [&] { return held_.size() >= count; });
  }

  // Answers the oldest held request (from the runner thread, as the database writer would).
  void release_held(std::string body = "released") {
    http::Respond respond;
    {
      std::lock_guard lock(mutex_);
      ASSERT_FALSE(held_.empty());
      respond = std::move(held_.front());
      held_.pop_front();
    }
    runner_.after(std::chrono::milliseconds(0),
                  [respond = std::move(respond), body] { respond(text_response(body)); });
  }

  // Takes the oldest held Respond out (to call it later, e.g. after the Server is gone).
  http::Respond take_held() {
    std::lock_guard lock(mutex_);
    if (held_.empty()) return {};
    auto respond = std::move(held_.front());
    held_.pop_front();
    return respond;
  }

 private:
  std::atomic<int> requests_{0};
  std::mutex mutex_;
  std::condition_variable held_changed_;
  std::deque<http::Respond> held_;
  DelayedRunner runner_;
};

// A Server on 127.0.0.1 (a free port) running its I/O threads in the background.
class RunningServer {
 public:
  RunningServer(http::ServerOptions options, http::Handler& handler)
      : server_(with_loopback(std::move(options)), handler), thread_([this] { server_.run(); }) {}
  ~RunningServer() { stop(std::chrono::milliseconds(0)); }
  RunningServer(const RunningServer&) = delete;
  RunningServer& operator=(const RunningServer&) = delete;

  http::Server& server() { return server_; }
  std::uint16_t port() const { return server_.port(); }

  // stop() and wait for run() to return; returns how long that took.
  std::chrono::milliseconds stop(std::chrono::milliseconds grace) {
    const auto start = std::chrono::steady_clock::now();
    if (thread_.joinable()) {
      server_.stop(grace);
      thread_.join();
    }
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 start);
  }
  bool stopped() const { return !thread_.joinable(); }

 private:
  static http::ServerOptions with_loopback(http::ServerOptions options) {
    options.host = "127.0.0.1";
    options.port = 0;
    return options;
  }

  http::Server server_;
  std::thread thread_;
};

// Polls `condition` until it holds or `timeout` passes.
template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

inline std::chrono::milliseconds elapsed_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start);
}

}  // namespace socialrx::testing
