// The outbox's "mllp" transport against our MLLP server on 127.0.0.1 answering AA, CA, AE, CE,
// AR, CR, no MSA, or nothing at all; a destination that is down, a bad address, TLS with the
// destination's ca_file, and cancel(). (tests/gateway/mllp/medplum_interop_test.cpp runs it
// against @medplum/hl7's server.)

#include "gateway/outbox/mllp_transport.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "gateway/mllp/server.hpp"
#include "tests/gateway/mllp/mllp_test_support.hpp"
#include "tests/gateway/support/temp_dir.hpp"
#include "tests/gateway/support/test_pki.hpp"

namespace socialrx::gateway::outbox {
namespace {

using namespace std::chrono_literals;
using socialrx::testing::FunctionHandler;
using socialrx::testing::test_ack;
using Verdict = DeliveryOutcome::Verdict;

OutboxOptions fast_options() {
  OutboxOptions options;
  options.request_timeout = 2s;
  options.mllp_ack_timeout = 2s;
  return options;
}

mllp::MllpServerOptions server_options() {
  mllp::MllpServerOptions options;
  options.port = 0;
  return options;
}

Delivery delivery_to(std::uint16_t port, const std::string& scheme = "mllp") {
  Delivery delivery;
  delivery.id = 7;
  delivery.destination = scheme + "://127.0.0.1:" + std::to_string(port);
  delivery.body = "MSH|^~\\&|SOCIALRX|GW|HIS|HOSP|20260101||ADT^A08|K1|P|2.5\rPID|1\r";
  delivery.idempotency_key = "forward:K1";
  return delivery;
}

TEST(MllpTransport, AcknowledgmentCodesDecide) {
  const std::vector<std::pair<std::string, Verdict>> cases{
      {"AA", Verdict::delivered}, {"CA", Verdict::delivered}, {"AE", Verdict::retry},
      {"CE", Verdict::retry},     {"AR", Verdict::reject},    {"CR", Verdict::reject},
  };
  for (const auto& [code, verdict] : cases) {
    FunctionHandler handler([code = code](std::string, mllp::Reply reply) { reply(test_ack(code)); });
    mllp::MllpServer server(server_options(), handler);
    server.start();
    MllpTransport transport(fast_options());
    const auto outcome = transport.send(delivery_to(server.port()));
    EXPECT_EQ(outcome.verdict, verdict) << code << ": " << outcome.reason;
    EXPECT_NE(outcome.reason.find(code), std::string::npos) << outcome.reason;
    EXPECT_EQ(handler.count(), 1);
  }
}

TEST(MllpTransport, ReplyWithoutMsaIsRetried) {
  FunctionHandler handler([](std::string, mllp::Reply reply) { reply("MSH|^~\\&|X\rZZZ|1\r"); });
  mllp::MllpServer server(server_options(), handler);
  server.start();
  MllpTransport transport(fast_options());
  const auto outcome = transport.send(delivery_to(server.port()));
  EXPECT_EQ(outcome.verdict, Verdict::retry);
  EXPECT_EQ(outcome.reason, "the reply has no MSA-1");
}

TEST(MllpTransport, NoReplyInTimeIsRetriedAndTheNextAttemptWorks) {
  std::mutex mutex;
  std::vector<mllp::Reply> held;
  bool answer = false;
  FunctionHandler handler([&](std::string, mllp::Reply reply) {
    std::lock_guard lock(mutex);
    if (!answer) return held.push_back(std::move(reply));
    reply(test_ack("AA"));
  });
  mllp::MllpServer server(server_options(), handler);
  server.start();
  auto options = fast_options();
  options.mllp_ack_timeout = 300ms;
  MllpTransport transport(options);
  const auto start = std::chrono::steady_clock::now();
  const auto first = transport.send(delivery_to(server.port()));
  EXPECT_EQ(first.verdict, Verdict::retry) << first.reason;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  {
    std::lock_guard lock(mutex);
    answer = true;
  }
  const auto second = transport.send(delivery_to(server.port()));
  EXPECT_EQ(second.verdict, Verdict::delivered) << second.reason;
  EXPECT_EQ(handler.count(), 2);
}

TEST(MllpTransport, DownThenUp) {
  std::uint16_t port = 0;
  {
    FunctionHandler unused([](std::string, mllp::Reply reply) { reply(test_ack("AA")); });
    mllp::MllpServer probe(server_options(), unused);
    port = probe.port();
  }
  MllpTransport transport(fast_options());
  const auto down = transport.send(delivery_to(port));
  EXPECT_EQ(down.verdict, Verdict::retry);
  EXPECT_NE(down.reason.find("connect"), std::string::npos) << down.reason;
  FunctionHandler handler([](std::string, mllp::Reply reply) { reply(test_ack("AA")); });
  auto options = server_options();
  options.port = port;
  mllp::MllpServer server(options, handler);
  server.start();
  EXPECT_EQ(transport.send(delivery_to(port)).verdict, Verdict::delivered);
  EXPECT_EQ(transport.send(delivery_to(port)).verdict, Verdict::delivered);
  EXPECT_EQ(server.stats().connections_accepted, 1u) << "one kept connection per destination";
}

TEST(MllpTransport, BadDestinationIsDeadAtOnce) {
  MllpTransport transport(fast_options());
  Delivery delivery = delivery_to(1);
  delivery.destination = "http://127.0.0.1:1";
  EXPECT_EQ(transport.send(delivery).verdict, Verdict::reject);
  delivery.destination = "mllp://127.0.0.1:99999";
  EXPECT_EQ(transport.send(delivery).verdict, Verdict::reject);
}

TEST(MllpTransport, TlsWithTheDestinationsCaFile) {
  socialrx::testing::TempDir dir("socialrx-mllp-transport");
  socialrx::testing::TestPki pki(dir.path());
  FunctionHandler handler([](std::string, mllp::Reply reply) { reply(test_ack("AA")); });
  auto options = server_options();
  options.tls = http::TlsOptions{pki.server_chain_file(), pki.server_key_file(), ""};
  mllp::MllpServer server(options, handler);
  server.start();
  // Without the CA: the certificate is not trusted, nothing is sent.
  MllpTransport untrusting(fast_options());
  const auto refused = untrusting.send(delivery_to(server.port(), "mllps"));
  EXPECT_EQ(refused.verdict, Verdict::retry);
  EXPECT_NE(refused.reason.find("tls"), std::string::npos) << refused.reason;
  EXPECT_EQ(handler.count(), 0);
  auto trusting_options = fast_options();
  trusting_options.destinations.push_back({"mllps://127.0.0.1", "", pki.ca_file()});
  MllpTransport trusting(trusting_options);
  const auto outcome = trusting.send(delivery_to(server.port(), "mllps"));
  EXPECT_EQ(outcome.verdict, Verdict::delivered) << outcome.reason;
}

TEST(MllpTransport, CancelEndsAWaitingSendAsAborted) {
  std::mutex mutex;
  std::vector<mllp::Reply> held;
  FunctionHandler handler([&](std::string, mllp::Reply reply) {
    std::lock_guard lock(mutex);
    held.push_back(std::move(reply));
  });
  mllp::MllpServer server(server_options(), handler);
  server.start();
  auto options = fast_options();
  options.mllp_ack_timeout = 30s;
  MllpTransport transport(options);
  std::thread canceller([&] {
    std::this_thread::sleep_for(200ms);
    transport.cancel();
  });
  const auto start = std::chrono::steady_clock::now();
  const auto outcome = transport.send(delivery_to(server.port()));
  canceller.join();
  EXPECT_EQ(outcome.verdict, Verdict::aborted);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(transport.send(delivery_to(server.port())).verdict, Verdict::aborted);
  server.stop(0ms);
  server.wait();
}

}  // namespace
}  // namespace socialrx::gateway::outbox
