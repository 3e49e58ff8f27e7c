#pragma once
// The MLLP client: sends one frame and waits for the reply frame, over plain TCP or TLS (1.2
// minimum, the server's certificate verified against a CA file or the system store, host name or
// IP address checked, SNI sent for names; optional client certificate). The connection is kept
// and reused for the next exchange; any failure closes it and the next exchange connects again.
// A reused connection that the peer had closed meanwhile (the send fails, or it closes before a
// single reply byte) is replaced and the message sent once more on a fresh connection.
//
// One exchange at a time (calls are serialized); cancel() from any other thread. exchange() never
// throws for what the network or the peer does; MllpResult says what happened.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace socialrx::gateway::mllp {

struct MllpUrl {
  bool tls = false;         // mllps://
  std::string host;         // without IPv6 brackets
  std::uint16_t port = 2575;  // IANA "hl7" port when the URL gives none
};
// "mllp://host[:port]" or "mllps://host[:port]" (an optional trailing "/"); nullopt otherwise.
std::optional<MllpUrl> parse_mllp_url(std::string_view url);

struct MllpClientOptions {
  std::string host;
  std::uint16_t port = 2575;
  bool tls = false;
  std::string ca_file;            // TLS trust anchors (PEM); empty: the system store
  std::string certificate_file;   // optional client certificate chain (PEM)
  std::string private_key_file;   // its key (PEM)
  std::chrono::milliseconds connect_timeout{10'000};  // resolve + connect + TLS handshake
  std::chrono::milliseconds reply_timeout{30'000};    // send + the whole reply frame
  std::size_t max_reply_size = 1u << 20;              // larger replies fail (too_large)
};

struct MllpResult {
  enum class Error { none, resolve, connect, tls, send, receive, closed, timeout, too_large, cancelled };
  Error error = Error::none;
  // Short, without message content: "connect: Connection refused", "reply: timed out".
  std::string reason;
  std::string reply;  // the reply frame's payload when error == none

  bool ok() const { return error == Error::none; }
};

class MllpClient {
 public:
  explicit MllpClient(MllpClientOptions options);
  ~MllpClient();
  MllpClient(const MllpClient&) = delete;
  MllpClient& operator=(const MllpClient&) = delete;

  // Sends `message` in one frame and returns the payload of the next frame the peer sends.
  MllpResult exchange(std::string_view message);
  // From any thread: an exchange in progress ends with Error::cancelled soon, later ones at once.
  void cancel();
  // Closes the kept connection (the next exchange connects again).
  void close();

  const MllpClientOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace socialrx::gateway::mllp
