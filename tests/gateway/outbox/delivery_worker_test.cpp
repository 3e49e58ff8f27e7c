// The DeliveryWorker against a real HTTP destination on 127.0.0.1 (the gateway's Beast server,
// plain and TLS with the test PKI), on both backends: a destination that is down and then comes
// up (backoff grows, then every message arrives exactly once, in order per ordering key), 5xx and
// 429 retried, 400 dead at once, max_attempts → dead → manual retry → delivered, certificate
// verification, bearer tokens from the environment, a worker restart on the same database, and a
// stop that does not wait for a hanging destination.

#include "gateway/outbox/delivery_worker.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <thread>

#include "gateway/outbox/fhir_rest_transport.hpp"
#include "gateway/outbox/outbox.hpp"
#include "gateway/outbox/retry_policy.hpp"
#include "gateway/storage/write_queue.hpp"
#include "tests/gateway/outbox/test_destination.hpp"
#include "tests/gateway/storage/storage_test_support.hpp"
#include "tests/gateway/support/gateway_process.hpp"
#include "tests/gateway/support/temp_dir.hpp"
#include "tests/gateway/support/test_pki.hpp"

namespace socialrx::gateway::outbox {
namespace {

using namespace std::chrono_literals;
using socialrx::testing::TestDestination;
using storage::testing::BackendTest;

OutboxOptions fast_options() {
  OutboxOptions options;
  options.max_attempts = 10;
  options.base_delay = 40ms;
  options.max_delay = 320ms;
  options.poll_interval = 50ms;
  options.request_timeout = 3'000ms;
  return options;
}

OutgoingMessage task_push(const std::string& destination, const std::string& task,
                          const std::string& version, const std::string& ordering_key = "") {
  OutgoingMessage m;
  m.destination = destination;
  m.path = "Task/" + task;
  m.body = R"({"resourceType":"Task","id":")" + task + R"(","status":"requested","intent":"order"})";
  m.idempotency_key = "task-push:" + task + ":" + version;
  m.ordering_key = ordering_key;
  return m;
}

class DeliveryWorkerTest : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    writes_ = std::make_unique<storage::WriteQueue>(*database_);
  }
  void TearDown() override {
    worker_.reset();
    writes_.reset();
    BackendTest::TearDown();
  }

  // The jitter fraction is 1: each delay is the backoff ceiling itself, so the test can see it.
  void start_worker(OutboxOptions options = fast_options()) {
    worker_ = std::make_unique<DeliveryWorker>(*database_, *writes_, make_transports(options),
                                               options, [] { return 1.0; });
    worker_->start();
  }

  void enqueue_all(const std::vector<OutgoingMessage>& messages) {
    writes_->run([&](storage::WriteTransaction& tx) {
      for (const auto& m : messages) enqueue(tx, m);
    });
    if (worker_) worker_->notify();
  }

  std::map<std::string, OutboxEntry> by_key() {
    std::map<std::string, OutboxEntry> entries;
    for (auto& e : list_messages(*database_->reader(), std::nullopt, 1000)) {
      entries[e.message.idempotency_key] = e;
    }
    return entries;
  }

  // Waits until `done` holds for the outbox, or fails after `timeout`.
  bool wait_for(const std::function<bool(std::map<std::string, OutboxEntry>&)>& done,
                std::chrono::milliseconds timeout = 15s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto entries = by_key();
      if (done(entries)) return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

  static bool all_in(std::map<std::string, OutboxEntry>& entries, State state) {
    for (auto& [key, e] : entries) {
      if (e.state != state) return false;
    }
    return !entries.empty();
  }

  std::unique_ptr<storage::WriteQueue> writes_;
  std::unique_ptr<DeliveryWorker> worker_;
};
SOCIALRX_INSTANTIATE_BACKENDS(DeliveryWorkerTest);

TEST_P(DeliveryWorkerTest, DestinationDownThenUpBacksOffThenDeliversEachExactlyOnceInOrder) {
  const std::uint16_t port = socialrx::testing::pick_free_port();  // nothing listens yet
  TestDestination destination(port);
  const std::string url = destination.base_url();
  enqueue_all({task_push(url, "a", "1", "Task/a"), task_push(url, "a", "2", "Task/a"),
               task_push(url, "b", "1", "Task/b"), task_push(url, "c", "1")});
  start_worker();

  // While it is down: the delay after each failed attempt is the ceiling 40·2^(n-1) ms, capped.
  std::map<int, std::int64_t> delay_after;  // attempts → next_attempt_ms - last_attempt_ms
  ASSERT_TRUE(wait_for([&](auto& entries) {
    const auto& a1 = entries["task-push:a:1"];
    if (a1.last_attempt_ms) delay_after[a1.attempts] = a1.next_attempt_ms - *a1.last_attempt_ms;
    // Ordering: the second message of Task/a is never tried while the first is undelivered.
    EXPECT_EQ(entries["task-push:a:2"].attempts, 0);
    return a1.attempts >= 5;
  }));
  ASSERT_GE(delay_after.size(), 3u);
  std::int64_t previous = 0;
  for (const auto& [attempts, delay] : delay_after) {
    EXPECT_EQ(delay, backoff_ceiling(attempts, 40ms, 320ms).count()) << "after attempt " << attempts;
    EXPECT_GE(delay, previous);
    previous = delay;
  }
  EXPECT_EQ(delay_after.rbegin()->second, 320) << "capped at max_delay";
  {
    auto entries = by_key();
    const auto& a1 = entries["task-push:a:1"];
    EXPECT_EQ(a1.state, State::pending);
    EXPECT_FALSE(a1.last_status.has_value());
    EXPECT_EQ(a1.last_error.rfind("connect: ", 0), 0u) << a1.last_error;
  }

  destination.start();
  ASSERT_TRUE(wait_for([](auto& entries) { return all_in(entries, State::delivered); }))
      << "not all delivered";
  const auto requests = destination.handler().requests();
  ASSERT_EQ(requests.size(), 4u) << "each message exactly once";
  for (const char* key : {"task-push:a:1", "task-push:a:2", "task-push:b:1", "task-push:c:1"}) {
    EXPECT_EQ(destination.handler().count(key), 1u) << key;
  }
  std::vector<std::string> task_a;
  for (const auto& r : requests) {
    EXPECT_EQ(r.method, "PUT");
    EXPECT_EQ(r.content_type, "application/fhir+json");
    EXPECT_EQ(r.accept, "application/fhir+json");
    EXPECT_TRUE(r.authorization.empty()) << "no credentials configured";
    if (r.target == "/fhir/Task/a") task_a.push_back(r.idempotency_key);
  }
  EXPECT_EQ(task_a, (std::vector<std::string>{"task-push:a:1", "task-push:a:2"}));
  auto entries = by_key();
  EXPECT_EQ(entries["task-push:c:1"].last_status, 200);
  EXPECT_TRUE(entries["task-push:c:1"].last_error.empty());
  EXPECT_TRUE(entries["task-push:c:1"].delivered_ms.has_value());

  // Nothing is sent again later.
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(destination.handler().requests().size(), 4u);
}

TEST_P(DeliveryWorkerTest, ServerErrorsAndTooManyRequestsAreRetried) {
  TestDestination destination(socialrx::testing::pick_free_port());
  destination.handler().set_script([](const auto&, std::size_t n) -> unsigned {
    return n == 0 ? 503 : n == 1 ? 429 : n == 2 ? 408 : 201;
  });
  destination.start();
  start_worker();
  enqueue_all({task_push(destination.base_url(), "r", "1")});
  ASSERT_TRUE(wait_for([](auto& entries) { return all_in(entries, State::delivered); }));
  auto entry = by_key()["task-push:r:1"];
  EXPECT_EQ(entry.attempts, 4);
  EXPECT_EQ(entry.last_status, 201);
  EXPECT_EQ(destination.handler().count("task-push:r:1"), 4u) << "the same key on every attempt";
}

TEST_P(DeliveryWorkerTest, AClientErrorIsDeadAtOnceAndHoldsItsOrderingKey) {
  TestDestination destination(socialrx::testing::pick_free_port());
  destination.handler().set_script([](const socialrx::testing::ReceivedRequest& r, std::size_t) -> unsigned {
    return r.target == "/fhir/Task/bad" ? 400 : 200;
  });
  destination.start();
  start_worker();
  const std::string url = destination.base_url();
  enqueue_all({task_push(url, "bad", "1", "Task/bad"), task_push(url, "bad", "2", "Task/bad"),
               task_push(url, "good", "1")});
  ASSERT_TRUE(wait_for([](auto& entries) {
    return entries["task-push:bad:1"].state == State::dead &&
           entries["task-push:good:1"].state == State::delivered;
  }));
  std::this_thread::sleep_for(200ms);
  auto entries = by_key();
  EXPECT_EQ(entries["task-push:bad:1"].attempts, 1);
  EXPECT_EQ(entries["task-push:bad:1"].last_status, 400);
  EXPECT_EQ(entries["task-push:bad:1"].last_error, "HTTP 400 Bad Request");
  EXPECT_EQ(entries["task-push:bad:2"].state, State::pending);
  EXPECT_EQ(entries["task-push:bad:2"].attempts, 0) << "held back behind the dead message";
  EXPECT_EQ(destination.handler().count("task-push:bad:1"), 1u);
  EXPECT_EQ(worker_->stats().dead, 1u);
}

TEST_P(DeliveryWorkerTest, MaxAttemptsMakesItDeadAndAManualRetryDeliversIt) {
  TestDestination destination(socialrx::testing::pick_free_port());
  std::atomic<bool> healthy{false};
  destination.handler().set_script(
      [&](const auto&, std::size_t) -> unsigned { return healthy ? 200 : 500; });
  destination.start();
  OutboxOptions options = fast_options();
  options.max_attempts = 3;
  start_worker(options);
  enqueue_all({task_push(destination.base_url(), "m", "1")});
  ASSERT_TRUE(wait_for([](auto& entries) { return all_in(entries, State::dead); }));
  auto entry = by_key()["task-push:m:1"];
  EXPECT_EQ(entry.attempts, 3);
  EXPECT_EQ(entry.last_status, 500);
  EXPECT_NE(entry.last_error.find("gave up after 3 attempts"), std::string::npos) << entry.last_error;
  EXPECT_EQ(destination.handler().count("task-push:m:1"), 3u);

  healthy = true;  // the recipient fixed its server; an operator retries (socialrx outbox retry)
  writes_->run([&](storage::WriteTransaction& tx) { EXPECT_EQ(retry_dead(tx, entry.id, now_ms()), 1u); });
  worker_->notify();
  ASSERT_TRUE(wait_for([](auto& entries) { return all_in(entries, State::delivered); }));
  EXPECT_EQ(by_key()["task-push:m:1"].attempts, 1) << "attempts were reset by the retry";
  EXPECT_EQ(destination.handler().count("task-push:m:1"), 4u);
}

TEST_P(DeliveryWorkerTest, TlsDestinationVerifiedAgainstTheConfiguredCaWithABearerToken) {
  socialrx::testing::TempDir dir("socialrx-outbox-tls");
  socialrx::testing::TestPki pki(dir.path());
  gateway::http::TlsOptions tls{pki.server_chain_file(), pki.server_key_file(), ""};
  TestDestination destination(socialrx::testing::pick_free_port(), tls);
  destination.start();
  ::setenv("SOCIALRX_TEST_OUTBOX_TOKEN", "s3cret-token", 1);
  OutboxOptions options = fast_options();
  // By name (SNI and host name check) with the CA and a token; by address with the CA only.
  options.destinations.push_back({destination.base_url("localhost"), "SOCIALRX_TEST_OUTBOX_TOKEN",
                                  pki.ca_file()});
  options.destinations.push_back({destination.base_url("127.0.0.1"), "", pki.ca_file()});
  start_worker(options);
  enqueue_all({task_push(destination.base_url("localhost"), "n", "1"),
               task_push(destination.base_url("127.0.0.1"), "i", "1")});
  ASSERT_TRUE(wait_for([](auto& entries) { return all_in(entries, State::delivered); }));
  for (const auto& r : destination.handler().requests()) {
    if (r.idempotency_key == "task-push:n:1") {
      EXPECT_EQ(r.authorization, "Bearer s3cret-token");
    } else {
      EXPECT_TRUE(r.authorization.empty()) << r.idempotency_key;
    }
  }
  EXPECT_EQ(destination.handler().requests().size(), 2u);
}

TEST_P(DeliveryWorkerTest, AnUntrustedCertificateIsNeverSentTo) {
  socialrx::testing::TempDir dir("socialrx-outbox-tls");
  socialrx::testing::TestPki pki(dir.path());
  gateway::http::TlsOptions tls{pki.server_chain_file(), pki.server_key_file(), ""};
  TestDestination destination(socialrx::testing::pick_free_port(), tls);
  destination.start();
  start_worker();  // no ca_file: the system store, which does not know the test CA
  enqueue_all({task_push(destination.base_url("localhost"), "u", "1")});
  ASSERT_TRUE(wait_for([](auto& entries) { return entries["task-push:u:1"].attempts >= 2; }));
  const auto entry = by_key()["task-push:u:1"];
  EXPECT_EQ(entry.state, State::pending);
  EXPECT_EQ(entry.last_error.rfind("tls: ", 0), 0u) << entry.last_error;
  EXPECT_TRUE(destination.handler().requests().empty());
}

TEST_P(DeliveryWorkerTest, MessagesCommittedBeforeAWorkerRestartAreDeliveredAfterIt) {
  // In-process stand-in for a crash: worker, write queue and database go away while the
  // destination is down; a new set on the same store delivers. (The real binary with SIGKILL:
  // outbox_command_test.cpp.)
  TestDestination destination(socialrx::testing::pick_free_port());
  start_worker();
  enqueue_all({task_push(destination.base_url(), "k", "1"), task_push(destination.base_url(), "k2", "1")});
  ASSERT_TRUE(wait_for([](auto& entries) { return entries["task-push:k:1"].attempts >= 1; }));
  worker_.reset();
  writes_.reset();
  database_.reset();

  destination.start();
  database_ = scratch_->open();
  writes_ = std::make_unique<storage::WriteQueue>(*database_);
  start_worker();
  ASSERT_TRUE(wait_for([](auto& entries) { return all_in(entries, State::delivered); }));
  EXPECT_EQ(destination.handler().count("task-push:k:1"), 1u);
  EXPECT_EQ(destination.handler().count("task-push:k2:1"), 1u);
}

TEST_P(DeliveryWorkerTest, StopDoesNotWaitForAHangingDestination) {
  TestDestination destination(socialrx::testing::pick_free_port());
  destination.handler().set_script([](const auto&, std::size_t) -> unsigned { return 0; });  // hang
  destination.start();
  OutboxOptions options = fast_options();
  options.request_timeout = 30'000ms;
  start_worker(options);
  enqueue_all({task_push(destination.base_url(), "h", "1")});
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (destination.handler().requests().empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_EQ(destination.handler().requests().size(), 1u);
  const auto before = std::chrono::steady_clock::now();
  worker_->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, 2s);
  const auto entry = by_key()["task-push:h:1"];
  EXPECT_EQ(entry.state, State::pending);
  EXPECT_EQ(entry.attempts, 0) << "an aborted attempt is not counted";
}

TEST(FhirRestTransport, RefusesToStartWithoutTheTokenVariable) {
  ::unsetenv("SOCIALRX_TEST_OUTBOX_MISSING");
  OutboxOptions options;
  options.destinations.push_back({"https://x.example/fhir", "SOCIALRX_TEST_OUTBOX_MISSING", ""});
  try {
    FhirRestTransport transport(options);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("SOCIALRX_TEST_OUTBOX_MISSING"), std::string::npos);
  }
}

}  // namespace
}  // namespace socialrx::gateway::outbox
