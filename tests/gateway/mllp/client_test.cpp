// The MLLP client against the MLLP server on 127.0.0.1: one connection reused, a connection the
// server closed replaced transparently, no reply in time, refused connections, cancel() from
// another thread, replies over the size limit.

#include "gateway/mllp/client.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "gateway/mllp/server.hpp"
#include "tests/gateway/mllp/mllp_test_support.hpp"

namespace socialrx::gateway::mllp {
namespace {

using namespace std::chrono_literals;
using socialrx::testing::EchoHandler;
using socialrx::testing::FunctionHandler;

MllpServerOptions server_options() {
  MllpServerOptions options;
  options.port = 0;
  options.idle_timeout = 10s;
  return options;
}

MllpClientOptions client_options(std::uint16_t port) {
  MllpClientOptions options;
  options.host = "127.0.0.1";
  options.port = port;
  options.connect_timeout = 2s;
  options.reply_timeout = 2s;
  return options;
}

TEST(MllpClient, ReusesOneConnection) {
  EchoHandler handler;
  MllpServer server(server_options(), handler);
  server.start();
  MllpClient client(client_options(server.port()));
  for (int i = 0; i < 20; ++i) {
    const auto result = client.exchange("MSH|" + std::to_string(i));
    ASSERT_TRUE(result.ok()) << result.reason;
    EXPECT_EQ(result.reply, "ACK:MSH|" + std::to_string(i));
  }
  EXPECT_EQ(server.stats().connections_accepted, 1u);
}

TEST(MllpClient, ReconnectsWhenTheServerClosedTheKeptConnection) {
  EchoHandler handler;
  auto options = server_options();
  options.idle_timeout = 200ms;
  MllpServer server(options, handler);
  server.start();
  MllpClient client(client_options(server.port()));
  ASSERT_TRUE(client.exchange("first").ok());
  std::this_thread::sleep_for(500ms);  // the server closed it meanwhile
  const auto result = client.exchange("second");
  ASSERT_TRUE(result.ok()) << result.reason;
  EXPECT_EQ(result.reply, "ACK:second");
  EXPECT_EQ(server.stats().connections_accepted, 2u);
  EXPECT_EQ(handler.message_count(), 2) << "sent once on the new connection";
}

TEST(MllpClient, ReconnectsAfterAServerRestart) {
  EchoHandler handler;
  auto server = std::make_unique<MllpServer>(server_options(), handler);
  server->start();
  const std::uint16_t port = server->port();
  MllpClient client(client_options(port));
  ASSERT_TRUE(client.exchange("before").ok());
  server.reset();
  EXPECT_EQ(client.exchange("while down").error, MllpResult::Error::connect);
  auto again = server_options();
  again.port = port;
  server = std::make_unique<MllpServer>(again, handler);
  server->start();
  const auto result = client.exchange("after");
  ASSERT_TRUE(result.ok()) << result.reason;
  EXPECT_EQ(result.reply, "ACK:after");
}

TEST(MllpClient, NoReplyInTimeIsATimeoutAndTheNextExchangeStartsAfresh) {
  std::vector<Reply> held;
  std::mutex mutex;
  FunctionHandler handler([&](std::string bytes, Reply reply) {
    if (std::string_view(bytes) == "slow") {
      std::lock_guard lock(mutex);
      held.push_back(std::move(reply));
      return;
    }
    reply("ok:" + bytes);
  });
  MllpServer server(server_options(), handler);
  server.start();
  auto options = client_options(server.port());
  options.reply_timeout = 300ms;
  MllpClient client(options);
  const auto start = std::chrono::steady_clock::now();
  const auto slow = client.exchange("slow");
  EXPECT_EQ(slow.error, MllpResult::Error::timeout) << slow.reason;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  {
    std::lock_guard lock(mutex);
    for (auto& reply : held) reply("late ack");  // must not be taken for the next reply
  }
  const auto next = client.exchange("next");
  ASSERT_TRUE(next.ok()) << next.reason;
  EXPECT_EQ(next.reply, "ok:next");
}

TEST(MllpClient, RefusedConnection) {
  std::uint16_t port = 0;
  {
    EchoHandler handler;
    MllpServer server(server_options(), handler);
    port = server.port();
  }
  MllpClient client(client_options(port));
  const auto result = client.exchange("x");
  EXPECT_EQ(result.error, MllpResult::Error::connect);
  EXPECT_NE(result.reason.find("connect"), std::string::npos);
}

TEST(MllpClient, CancelFromAnotherThreadEndsAWaitingExchange) {
  std::vector<Reply> held;
  std::mutex mutex;
  FunctionHandler handler([&](std::string, Reply reply) {
    std::lock_guard lock(mutex);
    held.push_back(std::move(reply));
  });
  MllpServer server(server_options(), handler);
  server.start();
  auto options = client_options(server.port());
  options.reply_timeout = 30s;
  MllpClient client(options);
  std::thread canceller([&] {
    std::this_thread::sleep_for(200ms);
    client.cancel();
  });
  const auto start = std::chrono::steady_clock::now();
  const auto result = client.exchange("wait");
  canceller.join();
  EXPECT_EQ(result.error, MllpResult::Error::cancelled);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(client.exchange("later").error, MllpResult::Error::cancelled);
  server.stop(0ms);
  server.wait();
}

TEST(MllpClient, ReplyLargerThanTheLimitFails) {
  FunctionHandler handler([](std::string, Reply reply) { reply(std::string(10'000, 'a')); });
  MllpServer server(server_options(), handler);
  server.start();
  auto options = client_options(server.port());
  options.max_reply_size = 1'000;
  MllpClient client(options);
  EXPECT_EQ(client.exchange("x").error, MllpResult::Error::too_large);
}

}  // namespace
}  // namespace socialrx::gateway::mllp
