#include "tests/gateway/support/mllp_sender.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace socialrx::testing {
namespace {

constexpr char kStart = 0x0b;
constexpr char kEnd = 0x1c;
constexpr char kCarriageReturn = 0x0d;

int remaining_ms(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

// Field `index` (1-based) of the first segment named `id`, split on the message's field separator.
std::string field_of(std::string_view message, std::string_view id, int index) {
  std::size_t start = 0;
  while (start < message.size()) {
    std::size_t end = message.find_first_of("\r\n", start);
    if (end == std::string_view::npos) end = message.size();
    const std::string_view segment = message.substr(start, end - start);
    if (segment.size() > id.size() && segment.starts_with(id)) {
      const char separator = segment[id.size()];
      std::size_t position = id.size();
      for (int field = 1; field < index; ++field) {
        position = segment.find(separator, position + 1);
        if (position == std::string_view::npos) return "";
      }
      const std::size_t next = segment.find(separator, position + 1);
      const std::string_view value = segment.substr(
          position + 1, next == std::string_view::npos ? std::string_view::npos : next - position - 1);
      return std::string(value.substr(0, value.find('^')));
    }
    start = end + 1;
  }
  return "";
}

}  // namespace

MllpSender::MllpSender(std::string host, std::uint16_t port, std::chrono::milliseconds timeout)
    : host_(std::move(host)), port_(port), timeout_(timeout) {}

MllpSender::~MllpSender() { disconnect(); }

void MllpSender::disconnect() {
  if (socket_ >= 0) ::close(socket_);
  socket_ = -1;
  pending_.clear();
}

bool MllpSender::connect() {
  socket_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (socket_ < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port_);
  if (::inet_pton(AF_INET, host_.c_str(), &address.sin_addr) != 1 ||
      ::connect(socket_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    disconnect();
    return false;
  }
  const int on = 1;
  ::setsockopt(socket_, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
  return true;
}

bool MllpSender::send_all(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t sent = ::send(socket_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

std::optional<std::string> MllpSender::read_frame() {
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  std::vector<char> buffer(16 * 1024);
  for (;;) {
    const std::size_t start = pending_.find(kStart);
    if (start != std::string::npos) {
      const std::size_t end = pending_.find(kEnd, start + 1);
      if (end != std::string::npos) {
        std::string content = pending_.substr(start + 1, end - start - 1);
        std::size_t consumed = end + 1;
        if (consumed < pending_.size() && pending_[consumed] == kCarriageReturn) ++consumed;
        pending_.erase(0, consumed);
        return content;
      }
    }
    pollfd descriptor{socket_, POLLIN, 0};
    const int ready = ::poll(&descriptor, 1, remaining_ms(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return std::nullopt;  // timeout or error
    const ssize_t got = ::recv(socket_, buffer.data(), buffer.size(), 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return std::nullopt;  // closed or broken
    pending_.append(buffer.data(), static_cast<std::size_t>(got));
  }
}

std::optional<std::string> MllpSender::exchange(std::string_view message) {
  if (socket_ < 0 && !connect()) return std::nullopt;
  if (!send_all(mllp_frame(message))) {
    disconnect();
    return std::nullopt;
  }
  auto reply = read_frame();
  if (!reply) disconnect();
  return reply;
}

std::string mllp_frame(std::string_view message) {
  std::string framed;
  framed.reserve(message.size() + 3);
  framed += kStart;
  framed += message;
  framed += kEnd;
  framed += kCarriageReturn;
  return framed;
}

std::string ack_code(std::string_view ack) { return field_of(ack, "MSA", 1); }
std::string acked_control_id(std::string_view ack) { return field_of(ack, "MSA", 2); }

}  // namespace socialrx::testing
