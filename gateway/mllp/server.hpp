#pragma once
// The MLLP server on Boost.Asio: plain TCP or TLS (1.2 minimum, the HTTP server's settings and
// certificate loading), a bounded frame size, idle and frame timeouts, a connection limit, many
// connections on a small pool of I/O threads, and a graceful stop. gateway/mllp/README.md has the
// rules; frame.hpp the framing.
//
// Messages of one connection are handled strictly in order (HL7 original mode): a frame is handed
// to the MllpHandler, and the next frame of that connection waits until the handler has replied
// and the reply is written. Different connections run in parallel.
//
// The server knows nothing of HL7 content: it hands over bytes and writes back the bytes of the
// reply. It never logs message content.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "gateway/http/server.hpp"  // TlsOptions

namespace socialrx::gateway::mllp {

// Who sent a message. Never logged together with message content.
struct Peer {
  std::string address;      // "127.0.0.1:53122"
  bool tls = false;
  std::string tls_subject;  // the verified client certificate's subject (RFC 2253), or ""
};

// Answers one frame. Call it exactly once, from any thread, at any time (e.g. after a database
// commit). The bytes are written back inside one MLLP frame. An empty string, or dropping every
// copy without calling it, writes nothing and closes the connection: the sender sees no ACK and
// sends again later (use it when the message could not be stored).
using Reply = std::function<void(std::string reply)>;

class MllpHandler {
 public:
  virtual ~MllpHandler() = default;
  // A complete frame's payload (without VT, FS, CR), in the bytes the sender used (no charset
  // conversion). Called on an I/O thread: must not block for long (hand the work on and reply
  // later). Exceptions are caught; the connection is then closed without a reply.
  virtual void on_message(std::string bytes, const Peer& peer, Reply reply) = 0;
  // A frame larger than max_frame_size arrived and was discarded (its bytes are gone): answer with
  // a reject (e.g. an HL7 ACK with AR), or close with an empty reply.
  virtual void on_oversized(std::size_t frame_size, const Peer& peer, Reply reply) = 0;
};

struct MllpServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 2575;  // 0: any free port (see MllpServer::port())
  std::size_t max_frame_size = 1u << 20;           // payload bytes; larger frames are discarded
  std::chrono::milliseconds idle_timeout{300'000};  // no byte from the peer between frames: close
  std::chrono::milliseconds frame_timeout{30'000};  // to receive one frame from its VT, and to write a reply
  std::size_t max_connections = 256;                // more are closed at once after accept
  std::optional<http::TlsOptions> tls;              // TLS 1.2 minimum when set
  int threads = 2;                                  // I/O threads
};

class MllpServer {
 public:
  // Binds and listens; throws std::runtime_error (start-up) when it cannot, or when the TLS files
  // cannot be used. Accepting starts with start().
  MllpServer(MllpServerOptions options, MllpHandler& handler);
  // stop() with no grace period if still running, then wait().
  ~MllpServer();
  MllpServer(const MllpServer&) = delete;
  MllpServer& operator=(const MllpServer&) = delete;

  std::uint16_t port() const;
  // Starts the I/O threads and returns.
  void start();
  // Stops accepting; idle connections (and those in the middle of receiving a frame, which has
  // not been acknowledged) are closed; a message being handled finishes, its reply is written,
  // then its connection closes. After `grace` whatever remains is cut. Returns at once; safe from
  // any thread (and from a signal-handling thread); a second call may only shorten the grace.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(10'000));
  // Returns once stop() has finished (every connection closed) and the I/O threads ended.
  void wait();

  std::size_t open_connections() const;

  struct Stats {
    std::uint64_t connections_accepted = 0;
    std::uint64_t connections_refused = 0;  // over max_connections or while stopping
    std::uint64_t frames = 0;
    std::uint64_t oversized_frames = 0;
    std::uint64_t replies = 0;
    std::uint64_t skipped_bytes = 0;  // outside frames (summed when connections close)
  };
  Stats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace socialrx::gateway::mllp
