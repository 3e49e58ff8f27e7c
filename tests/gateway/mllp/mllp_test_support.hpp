#pragma once
// Helpers for the MLLP tests: a raw TCP peer on POSIX sockets (to send exactly the bytes a test
// wants, split or glued as it likes, and to see when the server closes) and handlers for an
// MllpServer (echo, with an optional delay on another thread, as a database commit would).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "gateway/mllp/frame.hpp"
#include "gateway/mllp/server.hpp"

namespace socialrx::testing {

// A blocking TCP connection to 127.0.0.1:port.
class RawPeer {
 public:
  explicit RawPeer(std::uint16_t port) : decoder_(16u << 20) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) throw std::runtime_error("socket failed");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      ::close(fd_);
      throw std::runtime_error("connect failed");
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~RawPeer() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawPeer(const RawPeer&) = delete;
  RawPeer& operator=(const RawPeer&) = delete;

  // Returns false when the server has closed (write fails).
  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t written = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (written <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(written));
    }
    return true;
  }

  // The next reply frame's payload, or nullopt after `timeout` or when the server closed.
  std::optional<std::string> read_frame(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (auto event = decoder_.next()) return std::move(event->payload);
      if (!read_some(deadline)) return std::nullopt;
    }
  }

  // Whether the server closes the connection within `timeout` (bytes it sends meanwhile are
  // kept for read_frame()).
  bool closed_within(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (read_some(deadline)) {
    }
    return closed_;
  }

  bool closed() const { return closed_; }
  void shutdown_send() { ::shutdown(fd_, SHUT_WR); }

 private:
  bool read_some(std::chrono::steady_clock::time_point deadline) {
    if (closed_) return false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buffer[16384];
    const ssize_t got = ::recv(fd_, buffer, sizeof buffer, 0);
    if (got <= 0) {
      closed_ = true;
      return false;
    }
    decoder_.feed(std::string_view(buffer, static_cast<std::size_t>(got)));
    return true;
  }

  int fd_ = -1;
  bool closed_ = false;
  gateway::mllp::FrameDecoder decoder_;
};

// Replies "ACK:" + the message (after `delay`, from another thread, when set); oversized frames
// get "REJECT:<size>". Records what it saw.
class EchoHandler : public gateway::mllp::MllpHandler {
 public:
  explicit EchoHandler(std::chrono::milliseconds delay = std::chrono::milliseconds(0))
      : delay_(delay) {}
  ~EchoHandler() override { join(); }

  void on_message(std::string bytes, const gateway::mllp::Peer& peer,
                  gateway::mllp::Reply reply) override {
    {
      std::lock_guard lock(mutex_);
      messages_.push_back(bytes);
      last_peer_ = peer;
    }
    messages_count_.fetch_add(1);
    const int now = in_flight_.fetch_add(1) + 1;
    int seen = max_in_flight_.load();
    while (now > seen && !max_in_flight_.compare_exchange_weak(seen, now)) {
    }
    answer("ACK:" + bytes, std::move(reply));
  }
  void on_oversized(std::size_t size, const gateway::mllp::Peer&,
                    gateway::mllp::Reply reply) override {
    oversized_.fetch_add(1);
    answer("REJECT:" + std::to_string(size), std::move(reply));
  }

  std::vector<std::string> messages() const {
    std::lock_guard lock(mutex_);
    return messages_;
  }
  gateway::mllp::Peer last_peer() const {
    std::lock_guard lock(mutex_);
    return last_peer_;
  }
  int message_count() const { return messages_count_.load(); }
  // The most messages the server had handed over at once without a reply.
  int max_in_flight() const { return max_in_flight_.load(); }
  int oversized_count() const { return oversized_.load(); }
  void join() {
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(mutex_);
      threads.swap(threads_);
    }
    for (auto& thread : threads) thread.join();
  }

 private:
  void answer(std::string text, gateway::mllp::Reply reply) {
    if (delay_.count() == 0) {
      in_flight_.fetch_sub(1);
      return reply(std::move(text));
    }
    std::lock_guard lock(mutex_);
    threads_.emplace_back([this, delay = delay_, text = std::move(text), reply = std::move(reply)] {
      std::this_thread::sleep_for(delay);
      in_flight_.fetch_sub(1);
      reply(text);
    });
  }

  std::chrono::milliseconds delay_;
  mutable std::mutex mutex_;
  std::vector<std::string> messages_;
  gateway::mllp::Peer last_peer_;
  std::vector<std::thread> threads_;
  std::atomic<int> messages_count_{0};
  std::atomic<int> oversized_{0};
  std::atomic<int> in_flight_{0};
  std::atomic<int> max_in_flight_{0};
};

// Runs a handler-supplied function per message (for AA/AE/AR/no-answer servers in the outbox tests).
class FunctionHandler : public gateway::mllp::MllpHandler {
 public:
  using Function = std::function<void(std::string, gateway::mllp::Reply)>;
  explicit FunctionHandler(Function function) : function_(std::move(function)) {}
  void on_message(std::string bytes, const gateway::mllp::Peer&, gateway::mllp::Reply reply) override {
    count_.fetch_add(1);
    function_(std::move(bytes), std::move(reply));
  }
  void on_oversized(std::size_t, const gateway::mllp::Peer&, gateway::mllp::Reply reply) override {
    reply(std::string());
  }
  int count() const { return count_.load(); }

 private:
  Function function_;
  std::atomic<int> count_{0};
};

// An HL7 v2 ACK for tests: MSH + MSA with `code`.
inline std::string test_ack(const std::string& code, const std::string& control_id = "1") {
  return "MSH|^~\\&|RECEIVER|R|SOCIALRX|S|20260101000000||ACK|A" + control_id + "|P|2.5\rMSA|" +
         code + "|" + control_id + "\r";
}

}  // namespace socialrx::testing
