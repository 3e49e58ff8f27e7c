// MllpServer: an acceptor coroutine on its own strand, one session coroutine per connection on a
// strand of its own (plain or TLS, one template), a registry of open connections for stop() and
// the connection limit, and a control strand that drives the graceful stop.

#include "gateway/mllp/server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <array>
#include <atomic>
#include <iostream>
#include <list>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <vector>

#include "gateway/http/tls_context.hpp"
#include "gateway/mllp/frame.hpp"

namespace socialrx::gateway::mllp {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using Strand = asio::strand<asio::io_context::executor_type>;

namespace {

constexpr std::size_t kReadChunk = 16u << 10;
// After the last reply of a closing connection: how long (at most) to wait for the peer to stop
// sending, so that our close does not become a reset that destroys the reply in flight; over TLS
// the wait for the peer's close_notify.
constexpr std::chrono::milliseconds kLingerTime{2'000};
constexpr std::size_t kLingerBytes = 4u << 20;

MllpServerOptions checked(MllpServerOptions options) {
  if (options.threads < 1) options.threads = 1;
  if (options.max_connections == 0) throw std::runtime_error("MLLP: max_connections must be > 0");
  if (options.max_frame_size == 0) throw std::runtime_error("MLLP: max_frame_size must be > 0");
  if (options.idle_timeout.count() <= 0 || options.frame_timeout.count() <= 0) {
    throw std::runtime_error("MLLP: timeouts must be positive");
  }
  return options;
}

std::string endpoint_text(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  std::string text = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return text + ":" + std::to_string(endpoint.port());
}

tcp::endpoint resolve(asio::io_context& io, const std::string& host, std::uint16_t port) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (!ec) return {address, port};
  tcp::resolver resolver(io);
  const auto results = resolver.resolve(host, std::to_string(port), tcp::resolver::passive, ec);
  if (ec || results.empty()) {
    throw std::runtime_error("MLLP: cannot resolve '" + host + "': " +
                             (ec ? ec.message() : std::string("no address")));
  }
  return results.begin()->endpoint();
}

class Connection;

// What sessions, replies and the server share. Outlives neither the io_context's threads nor the
// MllpServer; `alive` guards posts from Reply callbacks that may run after the server is gone.
struct Core {
  Core(MllpServerOptions options, MllpHandler& handler)
      : options(std::move(options)), handler(handler) {}

  const MllpServerOptions options;
  MllpHandler& handler;
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> open{0};

  bool is_stopping() const { return stopping.load(std::memory_order_acquire); }

  std::mutex mutex;
  bool alive = true;
  std::list<std::weak_ptr<Connection>> connections;
  std::function<void()> on_drained;  // posts only

  std::atomic<std::uint64_t> accepted{0}, refused{0}, frames{0}, oversized{0}, replies{0},
      skipped{0};

  std::list<std::weak_ptr<Connection>>::iterator add(std::weak_ptr<Connection> connection) {
    std::lock_guard lock(mutex);
    open.fetch_add(1, std::memory_order_acq_rel);
    return connections.insert(connections.end(), std::move(connection));
  }

  void remove(std::list<std::weak_ptr<Connection>>::iterator position) {
    std::lock_guard lock(mutex);
    connections.erase(position);
    const std::size_t left = open.fetch_sub(1, std::memory_order_acq_rel) - 1;
    if (left == 0 && stopping.load(std::memory_order_acquire) && on_drained) on_drained();
  }

  std::vector<std::shared_ptr<Connection>> snapshot() {
    std::lock_guard lock(mutex);
    std::vector<std::shared_ptr<Connection>> result;
    for (const auto& weak : connections) {
      if (auto connection = weak.lock()) result.push_back(std::move(connection));
    }
    return result;
  }

  void deliver(const std::weak_ptr<Connection>& connection, std::string reply);
};

// The part of a session other threads reach: its strand and the entry points for stop and replies.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::shared_ptr<Core> core, asio::any_io_executor executor)
      : core_(std::move(core)), executor_(std::move(executor)), signal_(executor_) {}
  virtual ~Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  const asio::any_io_executor& executor() const { return executor_; }

  virtual void start() = 0;

  // On the strand: stop() began. Waiting for bytes (or a TLS handshake): close now; a message in
  // the handler or a reply being written finishes first (the session sees stopping afterwards).
  void on_server_stop() {
    if (phase_ == Phase::starting || phase_ == Phase::idle || phase_ == Phase::receiving) {
      close_transport();
    }
  }
  // On the strand: the grace period is over.
  void on_grace_expired() {
    if (phase_ == Phase::closed) return;
    cut_ = true;
    signal_.cancel();
    close_transport();
  }
  // On the strand: the handler's reply for the message being handled ("" closes).
  void on_reply(std::string reply) {
    if (phase_ != Phase::handling || reply_ready_) return;
    reply_ = std::move(reply);
    reply_ready_ = true;
    signal_.cancel();
  }

 protected:
  enum class Phase { starting, idle, receiving, handling, writing, closing, closed };

  virtual void close_transport() = 0;

  void register_self() { registration_ = core_->add(weak_from_this()); }
  void unregister() {
    if (registration_) core_->remove(*registration_);
    registration_.reset();
  }

  // A Reply for the message being handled: it holds the connection weakly (a forgotten Reply
  // cannot keep a socket open), and when every copy is gone without a call it closes the
  // connection instead of leaving the sender waiting.
  Reply make_reply() {
    struct Slot {
      std::shared_ptr<Core> core;
      std::weak_ptr<Connection> connection;
      std::atomic<bool> used{false};
      ~Slot() {
        if (!used.exchange(true)) core->deliver(connection, std::string());
      }
    };
    auto slot = std::make_shared<Slot>();
    slot->core = core_;
    slot->connection = weak_from_this();
    return [slot](std::string reply) {
      if (slot->used.exchange(true)) return;  // exactly once
      slot->core->deliver(slot->connection, std::move(reply));
    };
  }

  std::shared_ptr<Core> core_;
  asio::any_io_executor executor_;
  asio::steady_timer signal_;  // cancelled when a reply arrives or the connection is cut
  Phase phase_ = Phase::starting;
  bool cut_ = false;
  bool reply_ready_ = false;
  std::string reply_;

 private:
  std::optional<std::list<std::weak_ptr<Connection>>::iterator> registration_;
};

void Core::deliver(const std::weak_ptr<Connection>& weak, std::string reply) {
  std::lock_guard lock(mutex);
  if (!alive) return;
  auto connection = weak.lock();
  if (!connection) return;
  const auto executor = connection->executor();
  asio::post(executor, [connection = std::move(connection), reply = std::move(reply)]() mutable {
    connection->on_reply(std::move(reply));
  });
}

template <class Stream>
class Session final : public Connection {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  template <class... Args>
  Session(std::shared_ptr<Core> core, tcp::socket&& socket, Args&&... args)
      : Connection(std::move(core), socket.get_executor()),
        stream_(std::move(socket), std::forward<Args>(args)...),
        decoder_(core_->options.max_frame_size) {
    boost::system::error_code ec;
    const auto remote = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    peer_.address = ec ? std::string("unknown") : endpoint_text(remote);
    peer_.tls = kTls;
  }

  void start() override {
    register_self();
    auto self = std::static_pointer_cast<Session>(shared_from_this());
    asio::co_spawn(executor_, run(self), asio::detached);
  }

 private:
  const MllpServerOptions& options() const { return core_->options; }
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  void close_transport() override {
    boost::system::error_code ignored;
    lowest().socket().close(ignored);
  }

  asio::awaitable<void> run(std::shared_ptr<Session> /*keep alive*/) {
    boost::system::error_code ec;
    if constexpr (kTls) {
      if (core_->is_stopping()) co_return finish();
      lowest().expires_after(options().frame_timeout);
      co_await stream_.async_handshake(asio::ssl::stream_base::server,
                                       asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return finish();
      peer_.tls_subject = http::verified_peer_subject(stream_.native_handle());
    }
    std::array<char, kReadChunk> buffer;
    std::optional<std::chrono::steady_clock::time_point> frame_deadline;
    bool replied = false;
    for (;;) {
      // Frames already received go one at a time: the next waits for the previous reply.
      while (!core_->is_stopping()) {
        auto event = decoder_.next();
        if (!event) break;
        frame_deadline.reset();
        if (!co_await handle(std::move(*event))) co_return finish();
        replied = true;
      }
      if (core_->is_stopping() || cut_) break;
      const auto now = std::chrono::steady_clock::now();
      if (!decoder_.in_frame()) {
        frame_deadline.reset();
      } else if (!frame_deadline) {
        frame_deadline = now + options().frame_timeout;
      }
      auto deadline = now + options().idle_timeout;
      if (frame_deadline && *frame_deadline < deadline) deadline = *frame_deadline;
      phase_ = decoder_.in_frame() ? Phase::receiving : Phase::idle;
      lowest().expires_at(deadline);
      const std::size_t bytes = co_await stream_.async_read_some(
          asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return finish();  // peer closed, timeout, reset, or closed by stop()
      decoder_.feed(std::string_view(buffer.data(), bytes));
    }
    // Stopping: the last reply must reach the peer before the socket goes.
    if (replied && !cut_) co_await linger(buffer);
    finish();
  }

  // Hands one frame to the handler, waits for its reply and writes it. False: close now.
  asio::awaitable<bool> handle(FrameEvent event) {
    phase_ = Phase::handling;
    lowest().expires_never();
    reply_ready_ = false;
    reply_.clear();
    signal_.expires_at(asio::steady_timer::time_point::max());
    {
      Reply reply = make_reply();
      try {
        if (event.kind == FrameEvent::Kind::frame) {
          core_->frames.fetch_add(1, std::memory_order_relaxed);
          core_->handler.on_message(std::move(event.payload), peer_, reply);
        } else {
          core_->oversized.fetch_add(1, std::memory_order_relaxed);
          core_->handler.on_oversized(event.size, peer_, reply);
        }
      } catch (const std::exception&) {
        // No content in the log: the message may carry personal data, and so may what().
        std::cerr << "mllp: the handler failed for a message from " << peer_.address
                  << "; closing the connection\n";
        reply(std::string());
      } catch (...) {
        std::cerr << "mllp: the handler failed for a message from " << peer_.address
                  << "; closing the connection\n";
        reply(std::string());
      }
    }  // our copy of the Reply goes: if the handler kept none and did not call it, we close
    boost::system::error_code ec;
    while (!reply_ready_ && !cut_) {
      co_await signal_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    if (cut_ || reply_.empty()) co_return false;
    phase_ = Phase::writing;
    const std::string framed = encode_frame(reply_);
    reply_.clear();
    lowest().expires_after(options().frame_timeout);
    co_await asio::async_write(stream_, asio::buffer(framed),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return false;
    core_->replies.fetch_add(1, std::memory_order_relaxed);
    co_return true;
  }

  asio::awaitable<void> linger(std::array<char, kReadChunk>& buffer) {
    phase_ = Phase::closing;
    boost::system::error_code ec;
    const auto time = std::min(options().frame_timeout, std::chrono::milliseconds(kLingerTime));
    lowest().expires_after(time);
    if constexpr (kTls) {
      co_await stream_.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
      (void)buffer;
    } else {
      lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
      std::size_t drained = 0;
      while (!ec && !cut_ && drained < kLingerBytes) {
        drained += co_await lowest().async_read_some(asio::buffer(buffer),
                                                     asio::redirect_error(asio::use_awaitable, ec));
      }
    }
  }

  void finish() {
    if (phase_ == Phase::closed) return;
    phase_ = Phase::closed;
    close_transport();
    signal_.cancel();
    core_->skipped.fetch_add(decoder_.skipped_bytes(), std::memory_order_relaxed);
    unregister();
  }

  Stream stream_;
  FrameDecoder decoder_;
  Peer peer_;
};

using PlainSession = Session<beast::tcp_stream>;
using TlsSession = Session<beast::ssl_stream<beast::tcp_stream>>;

}  // namespace

struct MllpServer::Impl {
  Impl(MllpServerOptions options, MllpHandler& handler)
      : tls(options.tls ? std::optional<asio::ssl::context>(http::make_server_tls_context(*options.tls))
                        : std::nullopt),
        core(std::make_shared<Core>(std::move(options), handler)),
        io(core->options.threads),
        accept_strand(asio::make_strand(io)),
        control(asio::make_strand(io)),
        acceptor(accept_strand),
        accept_retry(accept_strand),
        grace_timer(control) {
    const auto& opts = core->options;
    const tcp::endpoint endpoint = resolve(io, opts.host, opts.port);
    const auto fail = [&](const char* step, const boost::system::error_code& ec) {
      throw std::runtime_error("MLLP: cannot " + std::string(step) + " " + opts.host + ":" +
                               std::to_string(opts.port) + ": " + ec.message());
    };
    boost::system::error_code ec;
    acceptor.open(endpoint.protocol(), ec);
    if (ec) fail("open a socket for", ec);
    acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (ec) fail("set SO_REUSEADDR for", ec);
    acceptor.bind(endpoint, ec);
    if (ec) fail("bind", ec);
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) fail("listen on", ec);
    port = acceptor.local_endpoint(ec).port();
    if (ec) fail("read the port of", ec);
    core->on_drained = [this] {
      asio::post(control, [this] {
        drained = true;
        grace_timer.cancel();
      });
    };
  }

  ~Impl() {
    std::lock_guard lock(core->mutex);
    core->alive = false;  // Replies called from now on do nothing
    core->on_drained = nullptr;
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      tcp::socket socket(asio::make_strand(io));
      boost::system::error_code ec;
      co_await acceptor.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      if (ec) {
        // Out of descriptors or memory: back off briefly instead of spinning.
        accept_retry.expires_after(std::chrono::milliseconds(50));
        co_await accept_retry.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
        continue;
      }
      boost::system::error_code ignored;
      if (core->is_stopping() || core->open.load() >= core->options.max_connections) {
        core->refused.fetch_add(1, std::memory_order_relaxed);
        socket.close(ignored);
        continue;
      }
      core->accepted.fetch_add(1, std::memory_order_relaxed);
      socket.set_option(tcp::no_delay(true), ignored);
      std::shared_ptr<Connection> session;
      if (tls) {
        session = std::make_shared<TlsSession>(core, std::move(socket), *tls);
      } else {
        session = std::make_shared<PlainSession>(core, std::move(socket));
      }
      session->start();
    }
  }

  void run_io() {
    for (;;) {
      try {
        io.run();
        return;
      } catch (const std::exception& error) {
        std::cerr << "mllp: unexpected error on an I/O thread: " << error.what() << '\n';
      } catch (...) {
        std::cerr << "mllp: unexpected error on an I/O thread\n";
      }
    }
  }

  // On the control strand.
  void begin_stop(std::chrono::milliseconds grace) {
    const auto deadline = std::chrono::steady_clock::now() + grace;
    if (stop_started) {
      if (!drained && deadline < grace_timer.expiry()) arm_grace_timer(deadline);
      return;
    }
    stop_started = true;
    asio::post(accept_strand, [this] {
      boost::system::error_code ignored;
      acceptor.close(ignored);
      accept_retry.cancel();
    });
    for (const auto& connection : core->snapshot()) {
      asio::post(connection->executor(), [connection] { connection->on_server_stop(); });
    }
    if (core->open.load() == 0) {
      drained = true;
      return;
    }
    arm_grace_timer(deadline);
  }

  void arm_grace_timer(std::chrono::steady_clock::time_point deadline) {
    grace_timer.expires_at(deadline);
    grace_timer.async_wait([this](boost::system::error_code ec) {
      if (ec || drained) return;
      for (const auto& connection : core->snapshot()) {
        asio::post(connection->executor(), [connection] { connection->on_grace_expired(); });
      }
    });
  }

  // Destroyed in reverse order: the io_context (and the sessions its queued handlers hold) before
  // the TLS context their SSL objects came from.
  std::optional<asio::ssl::context> tls;
  std::shared_ptr<Core> core;
  asio::io_context io;
  Strand accept_strand;
  Strand control;
  tcp::acceptor acceptor;
  asio::steady_timer accept_retry;
  asio::steady_timer grace_timer;
  std::uint16_t port = 0;
  std::vector<std::thread> threads;
  std::mutex threads_mutex;
  bool started = false;
  // On the control strand:
  bool stop_started = false;
  bool drained = false;
};

MllpServer::MllpServer(MllpServerOptions options, MllpHandler& handler)
    : impl_(std::make_unique<Impl>(checked(std::move(options)), handler)) {}

MllpServer::~MllpServer() {
  stop(std::chrono::milliseconds(0));
  wait();
}

std::uint16_t MllpServer::port() const { return impl_->port; }

void MllpServer::start() {
  std::lock_guard lock(impl_->threads_mutex);
  if (impl_->started) return;
  impl_->started = true;
  asio::co_spawn(impl_->accept_strand, impl_->accept_loop(), asio::detached);
  for (int i = 0; i < impl_->core->options.threads; ++i) {
    impl_->threads.emplace_back([impl = impl_.get()] { impl->run_io(); });
  }
}

void MllpServer::stop(std::chrono::milliseconds grace) {
  impl_->core->stopping.store(true, std::memory_order_release);
  asio::post(impl_->control, [impl = impl_.get(), grace] { impl->begin_stop(grace); });
}

void MllpServer::wait() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(impl_->threads_mutex);
    threads.swap(impl_->threads);
  }
  for (auto& thread : threads) thread.join();
}

std::size_t MllpServer::open_connections() const { return impl_->core->open.load(); }

MllpServer::Stats MllpServer::stats() const {
  const auto& core = *impl_->core;
  Stats stats;
  stats.connections_accepted = core.accepted.load(std::memory_order_relaxed);
  stats.connections_refused = core.refused.load(std::memory_order_relaxed);
  stats.frames = core.frames.load(std::memory_order_relaxed);
  stats.oversized_frames = core.oversized.load(std::memory_order_relaxed);
  stats.replies = core.replies.load(std::memory_order_relaxed);
  stats.skipped_bytes = core.skipped.load(std::memory_order_relaxed);
  return stats;
}

}  // namespace socialrx::gateway::mllp
