// Server::stop(grace): the listener closes at once, idle connections close, requests in flight
// are answered (with `Connection: close`), and whatever is left after the grace period is cut.

#include <gtest/gtest.h>

#include <boost/asio/error.hpp>

#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "gateway/http/server.hpp"
#include "tests/gateway/http/test_server.hpp"
#include "tests/gateway/support/http_client.hpp"

namespace socialrx::testing {
namespace {

using namespace std::chrono_literals;

bool refuses_connections(std::uint16_t port) {
  return eventually(
      [&] {
        HttpClient probe("127.0.0.1", port, ClientOptions{500ms, {}});
        try {
          probe.connect();
          return false;
        } catch (const HttpError& error) {
          return error.code() == boost::asio::error::connection_refused;
        }
      },
      3s);
}

TEST(HttpStop, DrainsARequestInFlightAndClosesIdleConnections) {
  TestHandler handler;
  RunningServer server(http::ServerOptions{}, handler);
  const auto port = server.port();

  HttpClient idle("127.0.0.1", port);
  EXPECT_EQ(idle.get("/echo").status, 200);

  auto in_flight = std::async(std::launch::async, [port] {
    HttpClient busy("127.0.0.1", port);
    return busy.get("/hold");
  });
  ASSERT_TRUE(handler.wait_held(1));

  auto stopped = std::async(std::launch::async, [&] { return server.stop(10s); });

  EXPECT_TRUE(idle.wait_closed(3s));
  EXPECT_TRUE(refuses_connections(port));
  // Still waiting for the request in flight.
  EXPECT_EQ(stopped.wait_for(200ms), std::future_status::timeout);

  handler.release_held("finished");
  const auto response = in_flight.get();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "finished");
  EXPECT_EQ(response.header("Connection"), "close");

  ASSERT_EQ(stopped.wait_for(3s), std::future_status::ready);
  EXPECT_LT(stopped.get(), 5s);
  EXPECT_EQ(server.server().open_connections(), 0u);
}

TEST(HttpStop, PipelinedRequestAfterStopIsAnsweredThenClosed) {
  TestHandler handler;
  RunningServer server(http::ServerOptions{}, handler);
  HttpClient c("127.0.0.1", server.port());
  c.write_raw("GET /hold HTTP/1.1\r\nHost: t\r\n\r\nGET /echo?second HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(handler.wait_held(1));
  auto stopped = std::async(std::launch::async, [&] { return server.stop(10s); });
  std::this_thread::sleep_for(100ms);
  handler.release_held("first");
  const auto first = c.read_response();
  EXPECT_EQ(first.body, "first");
  EXPECT_EQ(first.header("Connection"), "close");
  EXPECT_FALSE(c.is_open());
  EXPECT_EQ(handler.requests(), 1);  // the pipelined request was never handed over
  ASSERT_EQ(stopped.wait_for(5s), std::future_status::ready);
}

TEST(HttpStop, CutsWhatIsLeftAfterTheGracePeriod) {
  TestHandler handler;
  http::Respond late;
  {
    RunningServer server(http::ServerOptions{}, handler);
    const auto port = server.port();
    auto stuck = std::async(std::launch::async, [port] {
      HttpClient c("127.0.0.1", port, ClientOptions{10s, {}});
      try {
        c.get("/hold");
        return std::string("answered");
      } catch (const HttpError& error) {
        return std::string("cut: ") + error.what();
      }
    });
    ASSERT_TRUE(handler.wait_held(1));
    const auto took = server.stop(300ms);
    EXPECT_GE(took, 250ms);
    EXPECT_LT(took, 3s);
    EXPECT_EQ(stuck.get().rfind("cut", 0), 0u);
    late = handler.take_held();
  }
  // The Server is gone; a late answer must do nothing (and not crash).
  ASSERT_TRUE(late);
  late(text_response("too late"));
}

TEST(HttpStop, ReturnsPromptlyWithNothingOpen) {
  TestHandler handler;
  RunningServer server(http::ServerOptions{}, handler);
  HttpClient c("127.0.0.1", server.port());
  EXPECT_EQ(c.get("/close").status, 200);
  EXPECT_TRUE(eventually([&] { return server.server().open_connections() == 0; }));
  EXPECT_LT(server.stop(30s), 1s);
}

TEST(HttpStop, StopBeforeRunMakesRunReturn) {
  TestHandler handler;
  http::ServerOptions options;
  options.port = 0;
  http::Server server(options, handler);
  server.stop();
  auto ran = std::async(std::launch::async, [&] { server.run(); });
  EXPECT_EQ(ran.wait_for(3s), std::future_status::ready);
}

TEST(HttpStop, StopFromAnotherThreadTwiceIsHarmless) {
  TestHandler handler;
  RunningServer server(http::ServerOptions{}, handler);
  HttpClient c("127.0.0.1", server.port());
  EXPECT_EQ(c.get("/echo").status, 200);
  std::thread other([&] { server.server().stop(20s); });
  other.join();
  // A second, shorter stop shortens the grace period.
  EXPECT_LT(server.stop(100ms), 3s);
}

}  // namespace
}  // namespace socialrx::testing
