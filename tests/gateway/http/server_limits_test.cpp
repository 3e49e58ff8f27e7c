// Every input is bounded: body size (413), header size (431), time to send a request (read
// timeout), time between requests (idle timeout), number of connections.

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "gateway/http/server.hpp"
#include "tests/gateway/http/test_server.hpp"
#include "tests/gateway/support/http_client.hpp"

namespace socialrx::testing {
namespace {

using namespace std::chrono_literals;

void expect_operation_outcome(const HttpResponse& response, const std::string& code) {
  EXPECT_EQ(response.header("Content-Type"), "application/fhir+json");
  EXPECT_NE(response.body.find("\"resourceType\":\"OperationOutcome\""), std::string::npos)
      << response.body;
  EXPECT_NE(response.body.find("\"code\":\"" + code + "\""), std::string::npos) << response.body;
}

http::ServerOptions small_limits() {
  http::ServerOptions options;
  options.body_limit = 1024;
  options.header_limit = 1024;
  return options;
}

TEST(HttpLimits, BodyOverTheLimitGets413AndClose) {
  TestHandler handler;
  RunningServer server(small_limits(), handler);
  HttpClient c("127.0.0.1", server.port());
  EXPECT_EQ(c.post("/echo", std::string(1024, 'a')).status, 200);  // exactly the limit
  const auto response = c.post("/echo", std::string(4096, 'a'));
  EXPECT_EQ(response.status, 413);
  expect_operation_outcome(response, "too-long");
  EXPECT_NE(response.body.find("1024"), std::string::npos);
  EXPECT_FALSE(response.keep_alive);
  EXPECT_FALSE(c.is_open());
  EXPECT_EQ(handler.requests(), 1);
  EXPECT_TRUE(eventually([&] { return server.server().open_connections() == 0; }));
  // A new connection is served as usual.
  EXPECT_EQ(c.post("/echo", "small").body, "small");
}

TEST(HttpLimits, DefaultBodyLimitIs8MiB) {
  TestHandler handler;
  RunningServer server(http::ServerOptions{}, handler);
  HttpClient c("127.0.0.1", server.port(), ClientOptions{20s, {}});
  const auto fits = c.post("/echo", std::string(8u << 20, 'x'));
  EXPECT_EQ(fits.status, 200);
  EXPECT_EQ(fits.body.size(), 8u << 20);
  // The whole 9 MiB is sent before the response is read: the 413 must still arrive (the server
  // drains what it does not read instead of resetting the connection).
  const auto response = c.post("/echo", std::string(9u << 20, 'x'));
  EXPECT_EQ(response.status, 413);
  expect_operation_outcome(response, "too-long");
}

TEST(HttpLimits, ChunkedBodyOverTheLimitGets413) {
  TestHandler handler;
  RunningServer server(small_limits(), handler);
  HttpClient c("127.0.0.1", server.port());
  std::string request = "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 5; ++i) request += "200\r\n" + std::string(512, 'c') + "\r\n";
  request += "0\r\n\r\n";
  c.write_raw(request);
  const auto response = c.read_response();
  EXPECT_EQ(response.status, 413);
  expect_operation_outcome(response, "too-long");
}

TEST(HttpLimits, OversizedHeadersGet431) {
  TestHandler handler;
  RunningServer server(small_limits(), handler);
  HttpClient c("127.0.0.1", server.port());
  const auto response = c.get("/echo", {{"X-Padding", std::string(4000, 'h')}});
  EXPECT_EQ(response.status, 431);
  expect_operation_outcome(response, "too-long");
  EXPECT_FALSE(response.keep_alive);
  // A long target counts against the same limit.
  EXPECT_EQ(c.get("/" + std::string(2000, 't')).status, 431);
  EXPECT_EQ(handler.requests(), 0);
}

TEST(HttpLimits, IdleTimeoutClosesAKeepAliveConnection) {
  TestHandler handler;
  http::ServerOptions options;
  options.idle_timeout = 300ms;
  RunningServer server(options, handler);
  HttpClient c("127.0.0.1", server.port());
  // Requests closer together than the idle timeout keep the connection.
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(c.get("/echo").status, 200);
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(c.connections_opened(), 1);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.wait_closed(3s));
  EXPECT_LT(elapsed_since(start), 1500ms);
  EXPECT_TRUE(eventually([&] { return server.server().open_connections() == 0; }));
}

TEST(HttpLimits, ReadTimeoutClosesAHalfSentRequest) {
  TestHandler handler;
  http::ServerOptions options;
  options.read_timeout = 400ms;
  options.idle_timeout = 10s;
  RunningServer server(options, handler);
  HttpClient c("127.0.0.1", server.port());
  const auto start = std::chrono::steady_clock::now();
  c.write_raw("GET /echo HTTP/1.1\r\nHost: t\r\n");  // and never the blank line
  EXPECT_TRUE(c.wait_closed(5s));
  EXPECT_GE(elapsed_since(start), 350ms);
  EXPECT_LT(elapsed_since(start), 2500ms);
  EXPECT_EQ(handler.requests(), 0);
}

TEST(HttpLimits, TricklingBytesDoesNotExtendTheReadTimeout) {
  TestHandler handler;
  http::ServerOptions options;
  options.read_timeout = 500ms;
  options.idle_timeout = 10s;
  RunningServer server(options, handler);
  HttpClient c("127.0.0.1", server.port());
  const auto start = std::chrono::steady_clock::now();
  c.write_raw("GET /echo HTTP/1.1\r\n");
  bool cut = false;
  for (int i = 0; i < 40 && !cut; ++i) {  // one header line every 100 ms, for up to 4 s
    std::this_thread::sleep_for(100ms);
    try {
      c.write_raw("X-Slow-" + std::to_string(i) + ": 1\r\n");
    } catch (const HttpError&) {
      cut = true;
    }
  }
  if (!cut) cut = c.wait_closed(2s);
  EXPECT_TRUE(cut);
  EXPECT_LT(elapsed_since(start), 2500ms);
  EXPECT_EQ(handler.requests(), 0);
}

TEST(HttpLimits, ConnectionsOverTheLimitAreClosed) {
  TestHandler handler;
  http::ServerOptions options;
  options.max_connections = 2;
  RunningServer server(options, handler);
  HttpClient first("127.0.0.1", server.port());
  HttpClient second("127.0.0.1", server.port());
  EXPECT_EQ(first.get("/echo").status, 200);
  EXPECT_EQ(second.get("/echo").status, 200);
  EXPECT_EQ(server.server().open_connections(), 2u);

  HttpClient third("127.0.0.1", server.port(), ClientOptions{2s, {}});
  EXPECT_THROW(third.get("/echo"), HttpError);
  EXPECT_EQ(server.server().open_connections(), 2u);

  first.close();
  ASSERT_TRUE(eventually([&] { return server.server().open_connections() == 1; }));
  EXPECT_EQ(third.get("/echo").status, 200);
  EXPECT_EQ(second.get("/echo").status, 200);
}

}  // namespace
}  // namespace socialrx::testing
