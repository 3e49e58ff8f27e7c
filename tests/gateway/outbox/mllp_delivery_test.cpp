// The DeliveryWorker with the "mllp" and "file" transports, on both backends: an MLLP receiver
// on 127.0.0.1 that is down for a while and then comes up (attempts back off, then every message
// arrives exactly once and in order per ordering key), AE retried until AA, AR dead at once, and
// a file drop through the worker.

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "gateway/mllp/server.hpp"
#include "gateway/outbox/delivery_worker.hpp"
#include "gateway/outbox/file_transport.hpp"
#include "gateway/outbox/outbox.hpp"
#include "gateway/storage/write_queue.hpp"
#include "tests/gateway/mllp/mllp_test_support.hpp"
#include "tests/gateway/storage/storage_test_support.hpp"
#include "tests/gateway/support/gateway_process.hpp"
#include "tests/gateway/support/temp_dir.hpp"

namespace socialrx::gateway::outbox {
namespace {

using namespace std::chrono_literals;
using socialrx::testing::FunctionHandler;
using socialrx::testing::test_ack;
using storage::testing::BackendTest;

OutboxOptions fast_options() {
  OutboxOptions options;
  options.max_attempts = 50;
  options.base_delay = 40ms;
  options.max_delay = 200ms;
  options.poll_interval = 50ms;
  options.request_timeout = 1'000ms;
  options.mllp_ack_timeout = 1'000ms;
  return options;
}

// MSH-10 of a test message (the 10th '|' field).
std::string control_id(const std::string& message) {
  std::size_t at = 0;
  for (int i = 0; i < 9 && at != std::string::npos; ++i) at = message.find('|', at + 1);
  if (at == std::string::npos) return {};
  return message.substr(at + 1, message.find('|', at + 1) - at - 1);
}

OutgoingMessage hl7_forward(const std::string& destination, const std::string& id,
                            const std::string& ordering_key) {
  OutgoingMessage m;
  m.destination = destination;
  m.transport = "mllp";
  m.method = "SEND";
  m.content_type = "x-application/hl7-v2+er7";
  m.body = "MSH|^~\\&|SOCIALRX|GW|HIS|HOSP|20260101120000||ADT^A08^ADT_A01|" + id +
           "|P|2.5\rPID|1||" + id + "\r";
  m.idempotency_key = "hl7-forward:" + id;  // MSH-10 fixed when queued: a repeat is recognisable
  m.ordering_key = ordering_key;
  return m;
}

// Records the control ids it receives and answers by a script.
class Receiver {
 public:
  using Script = std::function<std::string(const std::string& id, int seen_before)>;
  explicit Receiver(Script script)
      : handler_([this](std::string bytes, mllp::Reply reply) {
          const std::string id = control_id(bytes);
          int seen = 0;
          {
            std::lock_guard lock(mutex_);
            seen = counts_[id]++;
            order_.push_back(id);
          }
          reply(script_(id, seen));
        }),
        script_(std::move(script)) {}

  void start(std::uint16_t port) {
    mllp::MllpServerOptions options;
    options.port = port;
    server_ = std::make_unique<mllp::MllpServer>(options, handler_);
    server_->start();
  }
  int count(const std::string& id) {
    std::lock_guard lock(mutex_);
    return counts_[id];
  }
  std::vector<std::string> order() {
    std::lock_guard lock(mutex_);
    return order_;
  }

 private:
  FunctionHandler handler_;
  Script script_;
  std::mutex mutex_;
  std::map<std::string, int> counts_;
  std::vector<std::string> order_;
  std::unique_ptr<mllp::MllpServer> server_;
};

class MllpDeliveryTest : public BackendTest {
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
  void start_worker(OutboxOptions options = fast_options()) {
    worker_ = std::make_unique<DeliveryWorker>(*database_, *writes_, make_transports(options), options);
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
  bool wait_for(const std::function<bool(std::map<std::string, OutboxEntry>&)>& done,
                std::chrono::milliseconds timeout = 20s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto entries = by_key();
      if (done(entries)) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  std::unique_ptr<storage::WriteQueue> writes_;
  std::unique_ptr<DeliveryWorker> worker_;
};
SOCIALRX_INSTANTIATE_BACKENDS(MllpDeliveryTest);

TEST_P(MllpDeliveryTest, ReceiverDownThenUpGetsEveryMessageOnceInOrderPerKey) {
  const std::uint16_t port = socialrx::testing::pick_free_port();  // nothing listens yet
  const std::string url = "mllp://127.0.0.1:" + std::to_string(port);
  std::vector<OutgoingMessage> messages;
  for (int i = 0; i < 24; ++i) {
    messages.push_back(hl7_forward(url, "M" + std::to_string(i), "patient-" + std::to_string(i % 4)));
  }
  enqueue_all(messages);
  start_worker();
  ASSERT_TRUE(wait_for([](auto& entries) { return entries["hl7-forward:M0"].attempts >= 3; }));
  {
    auto entries = by_key();
    EXPECT_EQ(entries["hl7-forward:M0"].state, State::pending);
    EXPECT_EQ(entries["hl7-forward:M0"].last_error.rfind("connect: ", 0), 0u)
        << entries["hl7-forward:M0"].last_error;
    EXPECT_EQ(entries["hl7-forward:M4"].attempts, 0) << "waits behind M0 (same ordering key)";
  }
  Receiver receiver([](const std::string&, int) { return test_ack("AA"); });
  receiver.start(port);
  ASSERT_TRUE(wait_for([](auto& entries) {
    for (auto& [key, e] : entries) {
      if (e.state != State::delivered) return false;
    }
    return true;
  })) << "not all delivered";
  for (int i = 0; i < 24; ++i) EXPECT_EQ(receiver.count("M" + std::to_string(i)), 1) << i;
  // Per ordering key, in the order queued.
  std::map<int, int> last_per_key;
  for (const auto& id : receiver.order()) {
    const int n = std::stoi(id.substr(1));
    auto [it, inserted] = last_per_key.emplace(n % 4, n);
    if (!inserted) {
      EXPECT_GT(n, it->second) << "key " << n % 4;
      it->second = n;
    }
  }
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(receiver.order().size(), 24u) << "nothing is sent again";
}

TEST_P(MllpDeliveryTest, ApplicationErrorIsRetriedUntilAcceptedAndRejectIsDeadAtOnce) {
  const std::uint16_t port = socialrx::testing::pick_free_port();
  const std::string url = "mllp://127.0.0.1:" + std::to_string(port);
  Receiver receiver([](const std::string& id, int seen_before) {
    if (id == "REJECT") return test_ack("AR");
    if (id == "FLAKY" && seen_before < 2) return test_ack("AE");
    return test_ack("AA");
  });
  receiver.start(port);
  start_worker();
  enqueue_all({hl7_forward(url, "FLAKY", ""), hl7_forward(url, "REJECT", "")});
  ASSERT_TRUE(wait_for([](auto& entries) {
    return entries["hl7-forward:FLAKY"].state == State::delivered &&
           entries["hl7-forward:REJECT"].state == State::dead;
  }));
  auto entries = by_key();
  EXPECT_EQ(entries["hl7-forward:FLAKY"].attempts, 3);
  EXPECT_EQ(entries["hl7-forward:REJECT"].attempts, 1);
  EXPECT_NE(entries["hl7-forward:REJECT"].last_error.find("MSA-1 AR"), std::string::npos)
      << entries["hl7-forward:REJECT"].last_error;
  EXPECT_EQ(receiver.count("FLAKY"), 3);
  EXPECT_EQ(receiver.count("REJECT"), 1);
}

TEST_P(MllpDeliveryTest, FileDropThroughTheWorker) {
  socialrx::testing::TempDir dir("socialrx-file-drop");
  const auto target = dir.path() / "drop";
  OutgoingMessage m;
  m.destination = "file://" + target.string();
  m.transport = "file";
  m.method = "WRITE";
  m.body = "MSH|^~\\&|SOCIALRX\r";
  m.content_type = "x-application/hl7-v2+er7";
  m.idempotency_key = "drop:1";
  enqueue_all({m});
  start_worker();
  // The directory is missing at first: retried, then written once it exists.
  ASSERT_TRUE(wait_for([](auto& entries) { return entries["drop:1"].attempts >= 2; }));
  EXPECT_EQ(by_key()["drop:1"].state, State::pending);
  std::filesystem::create_directory(target);
  ASSERT_TRUE(wait_for([](auto& entries) { return entries["drop:1"].state == State::delivered; }));
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(target)) {
    names.push_back(entry.path().filename());
  }
  EXPECT_EQ(names, std::vector<std::string>{file_name_for("drop:1", m.content_type)});
}

}  // namespace
}  // namespace socialrx::gateway::outbox
