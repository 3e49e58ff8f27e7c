// The HTTP server against a real socket on 127.0.0.1: keep-alive, pipelining, answers from other
// threads, handler bugs turned into 500, protocol details.

#include "gateway/http/server.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "tests/gateway/http/test_server.hpp"
#include "tests/gateway/support/http_client.hpp"

namespace socialrx::testing {
namespace {

using namespace std::chrono_literals;
namespace bhttp = boost::beast::http;

class HttpServer : public ::testing::Test {
 protected:
  HttpClient client(std::chrono::milliseconds timeout = 5s) {
    return HttpClient("127.0.0.1", server_.port(), ClientOptions{timeout, {}});
  }

  TestHandler handler_;
  RunningServer server_{http::ServerOptions{}, handler_};
};

void expect_operation_outcome(const HttpResponse& response, const std::string& code) {
  EXPECT_EQ(response.header("Content-Type"), "application/fhir+json");
  EXPECT_NE(response.body.find("\"resourceType\":\"OperationOutcome\""), std::string::npos)
      << response.body;
  EXPECT_NE(response.body.find("\"code\":\"" + code + "\""), std::string::npos) << response.body;
  EXPECT_EQ(response.body.find("what()"), std::string::npos);
}

TEST_F(HttpServer, KeepsTheConnectionAliveAcrossRequests) {
  auto c = client();
  for (int i = 0; i < 5; ++i) {
    const auto response = c.get("/echo?i=" + std::to_string(i));
    EXPECT_EQ(response.status, 200);
    EXPECT_TRUE(response.keep_alive);
    EXPECT_EQ(response.header("X-Target"), "/echo?i=" + std::to_string(i));
  }
  EXPECT_EQ(c.connections_opened(), 1);
  EXPECT_EQ(server_.server().open_connections(), 1u);
  EXPECT_EQ(handler_.requests(), 5);
}

TEST_F(HttpServer, PassesTheTargetAndBodyAsGiven) {
  auto c = client();
  // Not decoded, not normalized: the handler parses it.
  EXPECT_EQ(c.get("/fhir/Patient?name=%E5%B1%B1%E7%94%B0&_count=2").body,
            "/fhir/Patient?name=%E5%B1%B1%E7%94%B0&_count=2");
  EXPECT_EQ(c.get("/fhir//Patient/../x?a=1&a=2").body, "/fhir//Patient/../x?a=1&a=2");
  const auto response = c.post("/echo?x=1", R"({"resourceType":"Patient"})");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.header("X-Method"), "POST");
  EXPECT_EQ(response.header("X-Target"), "/echo?x=1");
  EXPECT_EQ(response.body, R"({"resourceType":"Patient"})");
  EXPECT_EQ(response.header("Content-Length"), std::to_string(response.body.size()));
}

TEST_F(HttpServer, AnswersPipelinedRequestsInOrder) {
  auto c = client();
  // The first request is answered last by the handler; the responses still come in order.
  c.write_raw(
      "GET /delay?ms=300&id=first HTTP/1.1\r\nHost: t\r\n\r\n"
      "GET /delay?ms=100&id=second HTTP/1.1\r\nHost: t\r\n\r\n"
      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nthird"
      "GET /delay?ms=0&id=fourth HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(c.read_response().body, "first");
  EXPECT_EQ(c.read_response().body, "second");
  EXPECT_EQ(c.read_response().body, "third");
  EXPECT_EQ(c.read_response().body, "fourth");
  EXPECT_EQ(c.get("/echo").status, 200);
  EXPECT_EQ(c.connections_opened(), 1);
}

TEST_F(HttpServer, TakesAnAnswerFromAnotherThreadLater) {
  auto c = client();
  const auto start = std::chrono::steady_clock::now();
  const auto response = c.get("/delay?ms=250&id=late");
  EXPECT_GE(elapsed_since(start), 240ms);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "late");
  EXPECT_EQ(c.get("/delay?ms=0&id=again").body, "again");
  EXPECT_EQ(c.connections_opened(), 1);
}

TEST_F(HttpServer, ManyConcurrentClients) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      HttpClient c("127.0.0.1", server_.port());
      for (int i = 0; i < 20; ++i) {
        const std::string id = std::to_string(t) + "-" + std::to_string(i);
        const auto response = c.get("/delay?ms=" + std::to_string(i % 3) + "&id=" + id);
        if (response.status == 200 && response.body == id) ++ok;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), 160);
}

TEST_F(HttpServer, ARespondNeverCalledBecomes500) {
  auto c = client();
  const auto response = c.get("/drop");
  EXPECT_EQ(response.status, 500);
  expect_operation_outcome(response, "exception");
  // The connection is still usable.
  EXPECT_EQ(c.get("/echo").status, 200);
  EXPECT_EQ(c.connections_opened(), 1);
}

TEST_F(HttpServer, AThrowingHandlerBecomes500WithoutDetails) {
  auto c = client();
  const auto response = c.get("/throw");
  EXPECT_EQ(response.status, 500);
  expect_operation_outcome(response, "exception");
  EXPECT_EQ(response.body.find("handler bug"), std::string::npos);
  EXPECT_EQ(c.get("/echo").status, 200);
}

TEST_F(HttpServer, OnlyTheFirstAnswerCounts) {
  auto c = client();
  EXPECT_EQ(c.get("/twice").body, "first");
  EXPECT_EQ(c.get("/echo?next").header("X-Target"), "/echo?next");
}

TEST_F(HttpServer, HonoursConnectionClose) {
  auto c = client();
  const auto response = c.get("/echo", {{"Connection", "close"}});
  EXPECT_EQ(response.status, 200);
  EXPECT_FALSE(response.keep_alive);
  EXPECT_EQ(response.header("Connection"), "close");
  EXPECT_FALSE(c.is_open());
  EXPECT_TRUE(eventually([&] { return server_.server().open_connections() == 0; }));
}

TEST_F(HttpServer, HandlerMayCloseTheConnection) {
  auto c = client();
  const auto response = c.get("/close");
  EXPECT_EQ(response.header("Connection"), "close");
  EXPECT_EQ(c.get("/echo").status, 200);
  EXPECT_EQ(c.connections_opened(), 2);
}

TEST_F(HttpServer, Http10ClosesUnlessKeepAliveIsAsked) {
  auto c = client();
  c.write_raw("GET /echo HTTP/1.0\r\n\r\n");
  const auto response = c.read_response();
  EXPECT_EQ(response.status, 200);
  EXPECT_TRUE(c.wait_closed(2s));

  auto k = client();
  k.write_raw("GET /echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  const auto kept = k.read_response();
  EXPECT_EQ(kept.status, 200);
  EXPECT_EQ(kept.header("Connection"), "keep-alive");
  k.write_raw("GET /echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  EXPECT_EQ(k.read_response().status, 200);
  EXPECT_EQ(k.connections_opened(), 1);
}

TEST_F(HttpServer, HeadGetsHeadersOnly) {
  auto c = client();
  c.write_raw("HEAD /some/where HTTP/1.1\r\nHost: t\r\n\r\nGET /echo?after HTTP/1.1\r\nHost: t\r\n\r\n");
  const auto head = c.read_response(/*head=*/true);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Content-Length"), std::to_string(std::string("/some/where").size()));
  EXPECT_TRUE(head.body.empty());
  // Had the HEAD response carried a body, this would read it as the next status line.
  EXPECT_EQ(c.read_response().header("X-Target"), "/echo?after");
}

TEST_F(HttpServer, AnswersExpect100Continue) {
  auto c = client();
  c.write_raw("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(c.read_response().status, 100);
  c.write_raw("ping");
  const auto response = c.read_response();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "ping");
}

TEST_F(HttpServer, MalformedRequestGets400AndClose) {
  auto c = client();
  c.write_raw("THIS IS NOT HTTP\r\n\r\n");
  const auto response = c.read_response();
  EXPECT_EQ(response.status, 400);
  expect_operation_outcome(response, "structure");
  EXPECT_FALSE(response.keep_alive);
  EXPECT_FALSE(c.is_open());
}

TEST_F(HttpServer, Http11WithoutHostGets400) {
  auto c = client();
  c.write_raw("GET /echo HTTP/1.1\r\n\r\n");
  const auto response = c.read_response();
  EXPECT_EQ(response.status, 400);
  expect_operation_outcome(response, "structure");
}

TEST_F(HttpServer, ContextNamesThePeer) {
  auto c = client();
  const auto body = c.get("/ctx").body;
  EXPECT_NE(body.find("peer=127.0.0.1:"), std::string::npos) << body;
  EXPECT_NE(body.find("tls=0"), std::string::npos);
  EXPECT_TRUE(body.ends_with("\nsubject=")) << body;
}

TEST_F(HttpServer, ClientThatVanishesMidRequestIsForgotten) {
  {
    auto c = client();
    c.write_raw("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nonly part");
  }
  {
    auto c = client();
    c.write_raw("GET /hold HTTP/1.1\r\nHost: t\r\n\r\n");
    ASSERT_TRUE(handler_.wait_held(1));
  }
  // The held request is answered after its client left: nothing breaks.
  handler_.release_held();
  EXPECT_TRUE(eventually([&] { return server_.server().open_connections() == 0; }));
  EXPECT_EQ(client().get("/echo").status, 200);
}

TEST(HttpServerStartup, ThrowsWhenThePortIsTaken) {
  TestHandler handler;
  RunningServer first(http::ServerOptions{}, handler);
  http::ServerOptions options;
  options.host = "127.0.0.1";
  options.port = first.port();
  try {
    http::Server second(options, handler);
    FAIL() << "bound twice";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find(std::to_string(first.port())), std::string::npos)
        << error.what();
  }
}

TEST(HttpServerStartup, RunsWithOneThread) {
  TestHandler handler;
  http::ServerOptions options;
  options.threads = 1;
  RunningServer server(options, handler);
  HttpClient c("127.0.0.1", server.port());
  EXPECT_EQ(c.get("/delay?ms=20&id=x").body, "x");
}

}  // namespace
}  // namespace socialrx::testing
