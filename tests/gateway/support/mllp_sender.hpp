#pragma once
// A plain, blocking MLLP sender on POSIX sockets for tests and the ingest benchmark: the framing
// (VT message FS CR) written independently of gateway/mllp, so the gateway's MLLP code is never
// the only judge of itself. One message in flight per connection, as HL7's original mode has it.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace socialrx::testing {

class MllpSender {
 public:
  MllpSender(std::string host, std::uint16_t port,
             std::chrono::milliseconds timeout = std::chrono::milliseconds(10'000));
  ~MllpSender();
  MllpSender(const MllpSender&) = delete;
  MllpSender& operator=(const MllpSender&) = delete;

  // Sends one message and waits for one reply frame; returns its content (framing removed).
  // nullopt when the connection could not be made, broke or timed out: the connection is then
  // dropped and the next call connects again (what an EHR does before it resends).
  std::optional<std::string> exchange(std::string_view message);

  void disconnect();
  bool connected() const { return socket_ >= 0; }

 private:
  bool connect();
  bool send_all(std::string_view bytes);
  std::optional<std::string> read_frame();

  std::string host_;
  std::uint16_t port_;
  std::chrono::milliseconds timeout_;
  int socket_ = -1;
  std::string pending_;  // bytes read past the last frame
};

// "VT message FS CR".
std::string mllp_frame(std::string_view message);

// MSA-1 of an HL7 ACK ("AA", "AE", "AR", "CA"…), read with a plain scan for the MSA segment; ""
// when there is none. The ACK's text is ASCII around MSA whatever its charset.
std::string ack_code(std::string_view ack);
// MSA-2: the control id the ACK answers.
std::string acked_control_id(std::string_view ack);

}  // namespace socialrx::testing
