// The MLLP server on real sockets on 127.0.0.1: framing over the wire (split writes, several
// frames per write, garbage, missing CR, oversized frames), one message at a time per connection,
// idle and frame timeouts, the connection limit, 200 concurrent connections, TLS (with and
// without client certificates), handler failures, and the graceful stop.

#include "gateway/mllp/server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "gateway/mllp/client.hpp"
#include "gateway/mllp/frame.hpp"
#include "tests/gateway/mllp/mllp_test_support.hpp"
#include "tests/gateway/support/temp_dir.hpp"
#include "tests/gateway/support/test_pki.hpp"

namespace socialrx::gateway::mllp {
namespace {

using namespace std::chrono_literals;
using socialrx::testing::EchoHandler;
using socialrx::testing::FunctionHandler;
using socialrx::testing::RawPeer;

MllpServerOptions test_options() {
  MllpServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.threads = 2;
  options.idle_timeout = 10s;
  options.frame_timeout = 5s;
  return options;
}

template <class Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return predicate();
}

TEST(MllpServer, AnswersAFrameSplitOverManyWrites) {
  EchoHandler handler;
  MllpServer server(test_options(), handler);
  server.start();
  RawPeer peer(server.port());
  const std::string wire = encode_frame("MSH|^~\\&|EHR|HOSP\rPID|1\r");
  ASSERT_TRUE(peer.send(wire.substr(0, 1)));
  std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(peer.send(wire.substr(1, 10)));
  std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(peer.send(wire.substr(11)));
  EXPECT_EQ(peer.read_frame(), "ACK:MSH|^~\\&|EHR|HOSP\rPID|1\r");
  const Peer seen = handler.last_peer();
  EXPECT_TRUE(seen.address.starts_with("127.0.0.1:")) << seen.address;
  EXPECT_FALSE(seen.tls);
}

TEST(MllpServer, SeveralFramesInOneWriteAreHandledOneAtATimeInOrder) {
  EchoHandler handler(30ms);  // replies come from other threads, later
  MllpServer server(test_options(), handler);
  server.start();
  RawPeer peer(server.port());
  std::string wire;
  for (int i = 0; i < 5; ++i) wire += encode_frame("message " + std::to_string(i));
  ASSERT_TRUE(peer.send(wire));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(peer.read_frame(), "ACK:message " + std::to_string(i));
  EXPECT_EQ(handler.max_in_flight(), 1) << "the next frame must wait for the previous reply";
}

TEST(MllpServer, SkipsBytesBetweenFramesAndToleratesAMissingCr) {
  EchoHandler handler;
  MllpServer server(test_options(), handler);
  server.start();
  RawPeer peer(server.port());
  ASSERT_TRUE(peer.send("\r\n\r\nhello?\x0b" "first\x1c" "\n\n\x0b" "second\x1c\r"));
  EXPECT_EQ(peer.read_frame(), "ACK:first");
  EXPECT_EQ(peer.read_frame(), "ACK:second");
  ASSERT_TRUE(peer.send(encode_frame("third")));
  EXPECT_EQ(peer.read_frame(), "ACK:third");
  EXPECT_EQ(handler.messages(), (std::vector<std::string>{"first", "second", "third"}));
}

TEST(MllpServer, OversizedFrameIsDiscardedAndTheHandlerAnswersIt) {
  EchoHandler handler;
  auto options = test_options();
  options.max_frame_size = 100;
  MllpServer server(options, handler);
  server.start();
  RawPeer peer(server.port());
  ASSERT_TRUE(peer.send(encode_frame(std::string(100'000, 'x')) + encode_frame("small")));
  EXPECT_EQ(peer.read_frame(), "REJECT:100000");
  EXPECT_EQ(peer.read_frame(), "ACK:small");
  EXPECT_EQ(handler.oversized_count(), 1);
  EXPECT_EQ(handler.messages(), std::vector<std::string>{"small"});
}

TEST(MllpServer, IdleConnectionIsClosed) {
  EchoHandler handler;
  auto options = test_options();
  options.idle_timeout = 300ms;
  MllpServer server(options, handler);
  server.start();
  RawPeer idle(server.port());
  RawPeer busy(server.port());
  // The busy one talks every 100 ms and outlives the idle timeout several times over.
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(busy.send(encode_frame("ping")));
    ASSERT_EQ(busy.read_frame(), "ACK:ping");
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(idle.closed_within(1s));
  EXPECT_GT(std::chrono::steady_clock::now() - start, 900ms);
  EXPECT_FALSE(busy.closed());
  EXPECT_TRUE(busy.send(encode_frame("still here")));
  EXPECT_EQ(busy.read_frame(), "ACK:still here");
}

TEST(MllpServer, AFrameThatNeverEndsIsCutAfterTheFrameTimeout) {
  EchoHandler handler;
  auto options = test_options();
  options.idle_timeout = 2s;
  options.frame_timeout = 400ms;
  MllpServer server(options, handler);
  server.start();
  RawPeer peer(server.port());
  ASSERT_TRUE(peer.send("\x0bMSH|"));
  const auto start = std::chrono::steady_clock::now();
  bool closed = false;
  for (int i = 0; i < 30 && !closed; ++i) {  // a byte every 100 ms never lets it go idle
    peer.send("x");
    closed = peer.closed_within(100ms);
  }
  EXPECT_TRUE(closed);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
  EXPECT_EQ(handler.message_count(), 0);
}

TEST(MllpServer, ConnectionsOverTheLimitAreClosedAtOnce) {
  EchoHandler handler;
  auto options = test_options();
  options.max_connections = 3;
  MllpServer server(options, handler);
  server.start();
  std::vector<std::unique_ptr<RawPeer>> peers;
  for (int i = 0; i < 3; ++i) {
    peers.push_back(std::make_unique<RawPeer>(server.port()));
    ASSERT_TRUE(peers.back()->send(encode_frame("hi")));
    ASSERT_EQ(peers.back()->read_frame(), "ACK:hi");
  }
  EXPECT_EQ(server.open_connections(), 3u);
  RawPeer fourth(server.port());
  EXPECT_TRUE(fourth.closed_within(2s));
  EXPECT_EQ(server.stats().connections_refused, 1u);
  peers.pop_back();
  ASSERT_TRUE(eventually([&] { return server.open_connections() == 2; }));
  RawPeer fifth(server.port());
  ASSERT_TRUE(fifth.send(encode_frame("again")));
  EXPECT_EQ(fifth.read_frame(), "ACK:again");
}

TEST(MllpServer, TwoHundredConcurrentConnectionsEachGetTheirOwnRepliesInOrder) {
  EchoHandler handler(2ms);
  auto options = test_options();
  options.max_connections = 256;
  MllpServer server(options, handler);
  server.start();
  constexpr int kConnections = 200;
  constexpr int kMessages = 5;
  std::atomic<int> good{0};
  std::vector<std::thread> senders;
  for (int c = 0; c < kConnections; ++c) {
    senders.emplace_back([&, c] {
      try {
        RawPeer peer(server.port());
        const auto text = [c](int m) { return "conn " + std::to_string(c) + " msg " + std::to_string(m); };
        if (c % 2 == 0) {  // one at a time
          for (int m = 0; m < kMessages; ++m) {
            if (!peer.send(encode_frame(text(m)))) return;
            if (peer.read_frame() != "ACK:" + text(m)) return;
          }
        } else {  // all at once (pipelined), replies still in order
          std::string wire;
          for (int m = 0; m < kMessages; ++m) wire += encode_frame(text(m));
          if (!peer.send(wire)) return;
          for (int m = 0; m < kMessages; ++m) {
            if (peer.read_frame() != "ACK:" + text(m)) return;
          }
        }
        good.fetch_add(1);
      } catch (const std::exception&) {
      }
    });
  }
  for (auto& sender : senders) sender.join();
  EXPECT_EQ(good.load(), kConnections);
  EXPECT_EQ(handler.message_count(), kConnections * kMessages);
  EXPECT_EQ(server.stats().connections_accepted, static_cast<std::uint64_t>(kConnections));
}

TEST(MllpServer, HandlerThatThrowsOrNeverRepliesClosesTheConnectionOnly) {
  std::atomic<int> calls{0};
  FunctionHandler handler([&](std::string bytes, Reply reply) {
    calls.fetch_add(1);
    if (std::string_view(bytes) == "throw") throw std::runtime_error("plugin failure with patient name");
    if (std::string_view(bytes) == "drop") return;  // the Reply goes away uncalled
    if (std::string_view(bytes) == "empty") return reply(std::string());
    reply("ok");
  });
  MllpServer server(test_options(), handler);
  server.start();
  for (const char* kind : {"throw", "drop", "empty"}) {
    RawPeer peer(server.port());
    ASSERT_TRUE(peer.send(encode_frame(kind)));
    EXPECT_FALSE(peer.read_frame(2s)) << kind;
    EXPECT_TRUE(peer.closed()) << kind;
  }
  RawPeer peer(server.port());
  ASSERT_TRUE(peer.send(encode_frame("fine")));
  EXPECT_EQ(peer.read_frame(), "ok");
  EXPECT_EQ(calls.load(), 4);
}

TEST(MllpServer, GracefulStopAnswersTheMessageInFlightThenCloses) {
  EchoHandler handler(400ms);
  MllpServer server(test_options(), handler);
  server.start();
  RawPeer busy(server.port());
  RawPeer idle(server.port());
  ASSERT_TRUE(busy.send(encode_frame("in flight") + encode_frame("queued behind it")));
  ASSERT_TRUE(eventually([&] { return handler.message_count() == 1; }));
  const auto start = std::chrono::steady_clock::now();
  server.stop(5s);
  EXPECT_TRUE(idle.closed_within(1s)) << "an idle connection closes at once";
  EXPECT_EQ(busy.read_frame(), "ACK:in flight");
  EXPECT_TRUE(busy.closed_within(3s));
  EXPECT_EQ(handler.message_count(), 1) << "a frame not yet handed over is not started";
  server.wait();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_THROW(RawPeer late(server.port()), std::runtime_error);  // no longer listening
}

TEST(MllpServer, StopCutsWhatIsLeftAfterTheGracePeriod) {
  std::vector<Reply> kept;
  std::mutex mutex;
  FunctionHandler handler([&](std::string, Reply reply) {
    std::lock_guard lock(mutex);
    kept.push_back(std::move(reply));  // never answered
  });
  MllpServer server(test_options(), handler);
  server.start();
  RawPeer peer(server.port());
  ASSERT_TRUE(peer.send(encode_frame("stuck")));
  ASSERT_TRUE(eventually([&] { return handler.count() == 1; }));
  const auto start = std::chrono::steady_clock::now();
  server.stop(300ms);
  server.wait();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_TRUE(peer.closed_within(1s));
  std::lock_guard lock(mutex);
  for (auto& reply : kept) reply("too late");  // after the stop: ignored, no crash
}

TEST(MllpServer, ReplyAfterTheServerIsGoneDoesNothing) {
  Reply kept;
  std::mutex mutex;
  FunctionHandler handler([&](std::string, Reply reply) {
    std::lock_guard lock(mutex);
    kept = std::move(reply);
  });
  {
    MllpServer server(test_options(), handler);
    server.start();
    RawPeer peer(server.port());
    ASSERT_TRUE(peer.send(encode_frame("x")));
    ASSERT_TRUE(eventually([&] { return handler.count() == 1; }));
  }  // destroyed: stop(0) and wait
  std::lock_guard lock(mutex);
  kept("late");
  kept = nullptr;
}

class MllpServerTls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new socialrx::testing::TempDir("socialrx-mllp-tls");
    pki_ = new socialrx::testing::TestPki(dir_->path());
  }
  static void TearDownTestSuite() {
    delete pki_;
    delete dir_;
  }
  static MllpServerOptions tls_options(bool client_certificates) {
    auto options = test_options();
    options.tls = http::TlsOptions{pki_->server_chain_file(), pki_->server_key_file(),
                                   client_certificates ? pki_->ca_file() : std::string()};
    return options;
  }
  static MllpClientOptions client_options(std::uint16_t port) {
    MllpClientOptions options;
    options.host = "127.0.0.1";
    options.port = port;
    options.tls = true;
    options.ca_file = pki_->ca_file();
    options.connect_timeout = 5s;
    options.reply_timeout = 5s;
    return options;
  }
  static inline socialrx::testing::TempDir* dir_ = nullptr;
  static inline socialrx::testing::TestPki* pki_ = nullptr;
};

TEST_F(MllpServerTls, ExchangesOverTls) {
  EchoHandler handler;
  MllpServer server(tls_options(false), handler);
  server.start();
  MllpClient client(client_options(server.port()));
  for (int i = 0; i < 3; ++i) {
    const auto result = client.exchange("MSH|secure " + std::to_string(i));
    ASSERT_TRUE(result.ok()) << result.reason;
    EXPECT_EQ(result.reply, "ACK:MSH|secure " + std::to_string(i));
  }
  EXPECT_EQ(server.stats().connections_accepted, 1u) << "the connection is reused";
  EXPECT_TRUE(handler.last_peer().tls);
  EXPECT_EQ(handler.last_peer().tls_subject, "");
  // The same name through "localhost" (the certificate has both).
  auto by_name = client_options(server.port());
  by_name.host = "localhost";
  MllpClient named(by_name);
  EXPECT_TRUE(named.exchange("x").ok());
}

TEST_F(MllpServerTls, PlainClientGetsNoReply) {
  EchoHandler handler;
  MllpServer server(tls_options(false), handler);
  server.start();
  RawPeer peer(server.port());
  ASSERT_TRUE(peer.send(encode_frame("MSH|plain")));
  EXPECT_FALSE(peer.read_frame(2s));
  EXPECT_EQ(handler.message_count(), 0);
}

TEST_F(MllpServerTls, ClientCertificateRequiredAndItsSubjectReachesTheHandler) {
  EchoHandler handler;
  MllpServer server(tls_options(true), handler);
  server.start();
  MllpClient anonymous(client_options(server.port()));
  EXPECT_FALSE(anonymous.exchange("x").ok());
  auto rogue_options = client_options(server.port());
  rogue_options.certificate_file = pki_->rogue_client_certificate_file();
  rogue_options.private_key_file = pki_->rogue_client_key_file();
  MllpClient rogue(rogue_options);
  EXPECT_FALSE(rogue.exchange("x").ok());
  EXPECT_EQ(handler.message_count(), 0);
  auto known_options = client_options(server.port());
  known_options.certificate_file = pki_->client_certificate_file();
  known_options.private_key_file = pki_->client_key_file();
  MllpClient known(known_options);
  const auto result = known.exchange("x");
  ASSERT_TRUE(result.ok()) << result.reason;
  EXPECT_EQ(handler.last_peer().tls_subject, socialrx::testing::TestPki::kClientSubject);
}

TEST_F(MllpServerTls, ClientRefusesAnUntrustedServer) {
  EchoHandler handler;
  MllpServer server(tls_options(false), handler);
  server.start();
  auto options = client_options(server.port());
  options.ca_file.clear();  // the system store does not know the test CA
  MllpClient client(options);
  const auto result = client.exchange("MSH|secret");
  EXPECT_EQ(result.error, MllpResult::Error::tls) << result.reason;
  EXPECT_EQ(handler.message_count(), 0);
}

TEST(MllpServerStart, BadTlsFilesAndBusyPortsFailAtStart) {
  EchoHandler handler;
  auto options = test_options();
  options.tls = http::TlsOptions{"/nonexistent/chain.pem", "/nonexistent/key.pem", ""};
  EXPECT_THROW(MllpServer(options, handler), std::runtime_error);
  MllpServer first(test_options(), handler);
  auto same_port = test_options();
  same_port.port = first.port();
  EXPECT_THROW(MllpServer(same_port, handler), std::runtime_error);
}

}  // namespace
}  // namespace socialrx::gateway::mllp
