// The outbox in the real binary (SQLite, --dev): messages committed to the store are delivered by
// `socialrx serve`'s worker, also after a SIGKILL while the destination was down; a 400 is dead
// at once, `socialrx outbox list` shows it and `socialrx outbox retry ID` brings it back; SIGTERM
// still exits 0 with the worker running. Plus the CLI's usage errors and config validation.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "gateway/config/gateway_config.hpp"
#include "gateway/outbox/outbox.hpp"
#include "gateway/storage/write_queue.hpp"
#include "tests/gateway/outbox/test_destination.hpp"
#include "tests/gateway/run_binary.hpp"
#include "tests/gateway/support/gateway_process.hpp"

namespace socialrx::testing {
namespace {

using namespace std::chrono_literals;
namespace outbox = gateway::outbox;
namespace storage = gateway::storage;

struct ListedMessage {
  std::string id, state, attempts, status, path, error;
};

class OutboxCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = (gateway_.work_dir() / "gateway.jsonc").string();
    std::ofstream(config_) << R"({
      // fast retries for the test; enough attempts that none dies while the destination is down
      // (the first wait below spawns `socialrx outbox list` repeatedly, slow under ASan on a busy
      // machine: with the default 10 attempts a message could die before the kill)
      "outbox": {"base_delay_ms": 50, "max_delay_ms": 200, "poll_interval_ms": 100,
                 "request_timeout_ms": 2000, "max_attempts": 1000},
    })";
    gateway_.options().extra_args = {"--config", config_};
  }

  std::vector<std::string> store_args() {
    return {"--config", config_, "--data", gateway_.data_dir().string()};
  }

  // Commits messages to the gateway's store from this process (as a write job of the gateway
  // would), whether or not the gateway runs.
  void enqueue(const std::vector<outbox::OutgoingMessage>& messages) {
    storage::DatabaseOptions options;
    options.sqlite_path = (gateway_.data_dir() / "socialrx.db").string();
    options.read_connections = 1;
    auto database = storage::Database::open(options);
    storage::WriteQueue writes(*database);
    writes.run([&](storage::WriteTransaction& tx) {
      for (const auto& m : messages) outbox::enqueue(tx, m);
    });
  }

  std::vector<ListedMessage> list(const std::string& state = "") {
    std::vector<std::string> args{"outbox", "list"};
    if (!state.empty()) args.insert(args.end(), {"--state", state});
    for (const auto& arg : store_args()) args.push_back(arg);
    const RunResult result = run_socialrx(args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    std::vector<ListedMessage> listed;
    std::istringstream lines(result.out);
    for (std::string line; std::getline(lines, line);) {
      std::vector<std::string> fields;
      std::istringstream cells(line);
      for (std::string cell; std::getline(cells, cell, '\t');) fields.push_back(cell);
      if (fields.size() != 10) {
        ADD_FAILURE() << "bad line: " << line;
        continue;
      }
      listed.push_back({fields[0], fields[1], fields[2], fields[3], fields[8], fields[9]});
    }
    return listed;
  }

  bool wait_for(const std::function<bool()>& done, std::chrono::milliseconds timeout = 20s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  static outbox::OutgoingMessage push(const std::string& url, const std::string& task) {
    outbox::OutgoingMessage m;
    m.destination = url;
    m.path = "Task/" + task;
    m.body = R"({"resourceType":"Task","id":")" + task + R"("})";
    m.idempotency_key = "task-push:" + task + ":1";
    m.ordering_key = "Task/" + task;
    return m;
  }

  GatewayProcess gateway_;
  std::string config_;
};

TEST_F(OutboxCommandTest, CommittedMessagesSurviveASigkillAndDeadOnesComeBackByHand) {
  const std::uint16_t port = pick_free_port();
  TestDestination destination(port);  // down for now
  const std::string url = destination.base_url();
  enqueue({push(url, "t1"), push(url, "t2"), push(url, "t3")});

  gateway_.start();
  ASSERT_TRUE(wait_for([&] {
    for (const auto& m : list()) {
      if (m.attempts == "0") return false;
    }
    return true;
  })) << gateway_.stderr_text();
  EXPECT_NE(gateway_.stderr_text().find("attempt 1 failed: connect: "), std::string::npos);
  gateway_.kill();  // a crash while every message is pending

  destination.start();
  gateway_.start();
  ASSERT_TRUE(wait_for([&] { return list("delivered").size() == 3; })) << gateway_.stderr_text();
  for (const char* key : {"task-push:t1:1", "task-push:t2:1", "task-push:t3:1"}) {
    EXPECT_EQ(destination.handler().count(key), 1u) << key;
  }

  // A refused message: dead at once, listed, retried by hand once the recipient accepts it.
  std::atomic<bool> accept{false};
  destination.handler().set_script(
      [&](const ReceivedRequest&, std::size_t) -> unsigned { return accept ? 201 : 400; });
  enqueue({push(url, "t4")});
  ASSERT_TRUE(wait_for([&] { return list("dead").size() == 1; })) << gateway_.stderr_text();
  const ListedMessage dead = list("dead").at(0);
  EXPECT_EQ(dead.path, "Task/t4");
  EXPECT_EQ(dead.attempts, "1");
  EXPECT_EQ(dead.status, "400");
  EXPECT_EQ(dead.error, "HTTP 400 Bad Request");
  EXPECT_NE(gateway_.stderr_text().find("is dead after 1 attempt(s): HTTP 400 Bad Request"),
            std::string::npos);
  EXPECT_EQ(gateway_.stderr_text().find("\"resourceType\""), std::string::npos)
      << "no bodies in the log";

  accept = true;
  std::vector<std::string> retry{"outbox", "retry", dead.id};
  for (const auto& arg : store_args()) retry.push_back(arg);
  const RunResult retried = run_socialrx(retry);
  EXPECT_EQ(retried.exit_code, 0) << retried.err;
  ASSERT_TRUE(wait_for([&] { return list("delivered").size() == 4; })) << gateway_.stderr_text();
  EXPECT_EQ(destination.handler().count("task-push:t4:1"), 2u);

  // Not dead (any more): exit 1. --dead with nothing dead: exit 0.
  const RunResult again = run_socialrx(retry);
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("is not a dead message"), std::string::npos);
  std::vector<std::string> all_dead{"outbox", "retry", "--dead"};
  for (const auto& arg : store_args()) all_dead.push_back(arg);
  EXPECT_EQ(run_socialrx(all_dead).exit_code, 0);

  EXPECT_EQ(gateway_.stop(), 0);  // SIGTERM drains with the worker running
}

TEST_F(OutboxCommandTest, UsageErrors) {
  EXPECT_EQ(run_socialrx({"outbox"}).exit_code, 2);
  EXPECT_EQ(run_socialrx({"outbox", "retry"}).exit_code, 2);
  EXPECT_EQ(run_socialrx({"outbox", "retry", "abc", "--data", gateway_.data_dir().string()}).exit_code, 2);
  EXPECT_EQ(run_socialrx({"outbox", "retry", "1", "--dead"}).exit_code, 2);
  EXPECT_EQ(run_socialrx({"outbox", "list", "--state", "lost"}).exit_code, 2);
  EXPECT_EQ(run_socialrx({"outbox", "--help"}).exit_code, 0);
}

TEST(OutboxConfig, ErrorsNameFileLineAndKey) {
  TempDir dir("socialrx-outbox-config");
  const auto check = [&](const std::string& text, const std::string& expected) {
    const auto path = (dir.path() / "gateway.jsonc").string();
    std::ofstream(path, std::ios::trunc) << text;
    try {
      gateway::config::load_config(path);
      ADD_FAILURE() << "accepted: " << text;
    } catch (const gateway::config::ConfigError& error) {
      EXPECT_EQ(std::string(error.what()), path + expected) << text;
    }
  };
  check("{\n \"outbox\": {\n  \"max_attempts\": 0}}",
        ":3: outbox.max_attempts: must be a whole number from 1 to 1000");
  check("{\"outbox\": {\n\"retries\": 3}}", ":2: outbox.retries: unknown key");
  check("{\"outbox\": {\"destinations\": [\n{\"url_prefix\": \"ftp://x\"}]}}",
        ":2: outbox.destinations[0].url_prefix: must start with https:// or http://");
  check("{\"outbox\": {\"destinations\": [{\"url_prefix\": \"https://x\",\n"
        "\"bearer_token_env\": \"Bearer abc.def\"}]}}",
        ":2: outbox.destinations[0].bearer_token_env: must be the name of an environment "
        "variable (letters, digits, _)");
  check("{\"outbox\": {\n\"base_delay_ms\": 5000, \"max_delay_ms\": 1000}}",
        ":2: outbox.base_delay_ms: must not exceed outbox.max_delay_ms");

  const auto path = (dir.path() / "good.jsonc").string();
  std::ofstream(path) << R"({"outbox": {"max_attempts": 4, "base_delay_ms": 10, "max_delay_ms": 20,
    "poll_interval_ms": 30, "request_timeout_ms": 4000,
    "destinations": [{"url_prefix": "https://a.example/fhir", "bearer_token_env": "A_TOKEN",
                      "ca_file": "ca.pem"}]}})";
  const auto config = gateway::config::load_config(path);
  EXPECT_EQ(config.outbox.max_attempts, 4);
  EXPECT_EQ(config.outbox.base_delay.count(), 10);
  EXPECT_EQ(config.outbox.max_delay.count(), 20);
  EXPECT_EQ(config.outbox.poll_interval.count(), 30);
  EXPECT_EQ(config.outbox.request_timeout.count(), 4000);
  ASSERT_EQ(config.outbox.destinations.size(), 1u);
  EXPECT_EQ(config.outbox.destinations[0].bearer_token_env, "A_TOKEN");
  EXPECT_EQ(config.outbox.destinations[0].ca_file, (dir.path() / "ca.pem").string());
}

}  // namespace
}  // namespace socialrx::testing
