// The test HTTP client itself, against the gateway's own HTTP server.

#include "tests/gateway/support/http_client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>

#include <chrono>

#include "tests/gateway/http/test_server.hpp"
#include "tests/gateway/support/gateway_process.hpp"

namespace socialrx::testing {
namespace {

using namespace std::chrono_literals;

TEST(HttpClient, ReusesOneConnectionAndReconnectsAfterClose) {
  TestHandler handler;
  RunningServer server(http::ServerOptions{}, handler);
  HttpClient c("127.0.0.1", server.port());
  EXPECT_EQ(c.get("/echo").status, 200);
  EXPECT_EQ(c.post("/echo", "{}").body, "{}");
  EXPECT_EQ(c.put("/echo", "[]").header("X-Method"), "PUT");
  EXPECT_EQ(c.del("/echo").header("X-Method"), "DELETE");
  EXPECT_EQ(c.connections_opened(), 1);
  EXPECT_EQ(c.get("/close").status, 200);
  EXPECT_FALSE(c.is_open());
  EXPECT_EQ(c.get("/echo").status, 200);
  EXPECT_EQ(c.connections_opened(), 2);
}

TEST(HttpClient, TimesOutPerRequest) {
  TestHandler handler;
  RunningServer server(http::ServerOptions{}, handler);
  HttpClient c("127.0.0.1", server.port(), ClientOptions{300ms, {}});
  const auto start = std::chrono::steady_clock::now();
  try {
    c.get("/hold");
    FAIL() << "no timeout";
  } catch (const HttpError& error) {
    EXPECT_EQ(error.code(), boost::beast::error::timeout) << error.what();
  }
  EXPECT_LT(elapsed_since(start), 2s);
  EXPECT_FALSE(c.is_open());
  handler.release_held();
  // Each request gets the full timeout again.
  EXPECT_EQ(c.get("/delay?ms=200&id=ok").body, "ok");
}

TEST(HttpClient, ReportsRefusedConnections) {
  const auto port = pick_free_port();
  HttpClient c("127.0.0.1", port, ClientOptions{2s, {}});
  try {
    c.get("/");
    FAIL() << "connected to a closed port";
  } catch (const HttpError& error) {
    EXPECT_EQ(error.code(), boost::asio::error::connection_refused) << error.what();
  }
}

}  // namespace
}  // namespace socialrx::testing
