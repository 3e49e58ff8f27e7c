// The outbox table on both backends: enqueue inside real write jobs (atomic with the job, a
// duplicate idempotency key is a no-op), what is due (per ordering key strictly in order; a dead
// message holds its key back), recording attempts, and the manual retry.

#include "gateway/outbox/outbox.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "gateway/storage/write_queue.hpp"
#include "tests/gateway/storage/storage_test_support.hpp"

namespace socialrx::gateway::outbox {
namespace {

using storage::testing::BackendTest;

OutgoingMessage message(const std::string& key, const std::string& ordering_key = "") {
  OutgoingMessage m;
  m.destination = "http://127.0.0.1:1/fhir";
  m.path = "Task/" + key;
  m.body = R"({"resourceType":"Task","id":")" + key + R"("})";
  m.idempotency_key = "push:" + key;
  m.ordering_key = ordering_key;
  return m;
}

class OutboxStoreTest : public BackendTest {
 protected:
  std::vector<OutboxEntry> all() { return list_messages(*database_->reader(), std::nullopt, 1000); }
  std::vector<std::int64_t> due_ids(std::int64_t now = now_ms() + 1) {
    std::vector<std::int64_t> ids;
    for (const auto& entry : due_messages(*database_->reader(), now, 100)) ids.push_back(entry.id);
    return ids;
  }
  void record(storage::WriteQueue& writes, std::int64_t id, State state, std::int64_t next = 0) {
    writes.run([&](storage::WriteTransaction& tx) {
      AttemptRecord r;
      r.id = id;
      r.new_state = state;
      r.attempted_ms = now_ms();
      r.next_attempt_ms = next;
      r.status = state == State::delivered ? 200 : 503;
      r.error = state == State::delivered ? "" : "HTTP 503 Service Unavailable";
      EXPECT_TRUE(record_attempt(tx, r));
    });
  }
};
SOCIALRX_INSTANTIATE_BACKENDS(OutboxStoreTest);

TEST_P(OutboxStoreTest, EnqueueCommitsWithTheJobAndADuplicateKeyIsANoOp) {
  storage::WriteQueue writes(*database_);
  bool first = false;
  bool again = true;
  writes.run([&](storage::WriteTransaction& tx) {
    tx.write_version("Task", "t1", false, [](const storage::VersionStamp&) {
      return std::string(R"({"resourceType":"Task"})");
    });
    first = enqueue(tx, message("t1"));
  });
  // The same key in a later job, and twice in one job: neither fails nor adds a row (on
  // PostgreSQL a caught unique violation would have aborted the transaction).
  writes.run([&](storage::WriteTransaction& tx) {
    again = enqueue(tx, message("t1"));
    EXPECT_TRUE(enqueue(tx, message("t2")));
    EXPECT_FALSE(enqueue(tx, message("t2")));
    tx.write_version("Task", "t2", false, [](const storage::VersionStamp&) {
      return std::string(R"({"resourceType":"Task"})");
    });
  });
  EXPECT_TRUE(first);
  EXPECT_FALSE(again);
  const auto entries = all();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1].message.idempotency_key, "push:t1");
  EXPECT_EQ(entries[1].state, State::pending);
  EXPECT_EQ(entries[1].attempts, 0);
  EXPECT_EQ(entries[1].message.transport, "fhir-rest");
  EXPECT_EQ(entries[1].message.method, "PUT");
  EXPECT_EQ(entries[1].message.path, "Task/t1");
  EXPECT_TRUE(entries[1].message.body.empty()) << "list_messages leaves bodies out";
  EXPECT_GT(entries[1].created_ms, 1'600'000'000'000);
  // The job's resource write committed too.
  storage::ResourceStore store(*database_);
  EXPECT_TRUE(store.read("Task", "t2").has_value());
}

TEST_P(OutboxStoreTest, AFailingJobLeavesNoMessage) {
  storage::WriteQueue writes(*database_);
  EXPECT_THROW(writes.run([&](storage::WriteTransaction& tx) {
                 enqueue(tx, message("lost"));
                 throw std::runtime_error("the job failed after queueing");
               }),
               std::runtime_error);
  EXPECT_THROW(writes.run([&](storage::WriteTransaction& tx) {
                 OutgoingMessage bad = message("bad");
                 bad.idempotency_key.clear();
                 enqueue(tx, bad);
               }),
               std::invalid_argument);
  EXPECT_TRUE(all().empty());
  // The key of the rolled-back message is free.
  writes.run([&](storage::WriteTransaction& tx) { EXPECT_TRUE(enqueue(tx, message("lost"))); });
  EXPECT_EQ(all().size(), 1u);
}

TEST_P(OutboxStoreTest, OnlyTheOldestUndeliveredMessageOfAnOrderingKeyIsDue) {
  storage::WriteQueue writes(*database_);
  writes.run([&](storage::WriteTransaction& tx) {
    enqueue(tx, message("a1", "Task/a"));
    enqueue(tx, message("b1", "Task/b"));
    enqueue(tx, message("a2", "Task/a"));
    enqueue(tx, message("free1"));
    enqueue(tx, message("free2"));
  });
  const auto entries = all();  // newest first
  ASSERT_EQ(entries.size(), 5u);
  const std::int64_t a1 = entries[4].id, b1 = entries[3].id, a2 = entries[2].id;
  const std::int64_t free1 = entries[1].id, free2 = entries[0].id;
  EXPECT_EQ(due_ids(), (std::vector<std::int64_t>{a1, b1, free1, free2}));
  const auto due = due_messages(*database_->reader(), now_ms() + 1, 100);
  EXPECT_EQ(due.front().message.body, R"({"resourceType":"Task","id":"a1"})");

  // a1 fails and waits: a2 still waits behind it; nothing is due before a1's next attempt.
  record(writes, a1, State::pending, now_ms() + 60'000);
  EXPECT_EQ(due_ids(), (std::vector<std::int64_t>{b1, free1, free2}));
  EXPECT_EQ(next_attempt_ms(*database_->reader()).value_or(0) > 0, true);
  // a1 dies: a2 is still held back (order matters more than progress on that key).
  record(writes, a1, State::dead);
  EXPECT_EQ(due_ids(), (std::vector<std::int64_t>{b1, free1, free2}));
  // Retried and delivered: now a2 is due.
  writes.run([&](storage::WriteTransaction& tx) { EXPECT_EQ(retry_dead(tx, a1, now_ms()), 1u); });
  const auto after_retry = due_ids();
  EXPECT_NE(std::find(after_retry.begin(), after_retry.end(), a1), after_retry.end());
  EXPECT_EQ(std::find(after_retry.begin(), after_retry.end(), a2), after_retry.end());
  record(writes, a1, State::delivered);
  EXPECT_EQ(due_ids(), (std::vector<std::int64_t>{b1, a2, free1, free2}));
}

TEST_P(OutboxStoreTest, RecordingAndManualRetry) {
  storage::WriteQueue writes(*database_);
  writes.run([&](storage::WriteTransaction& tx) {
    enqueue(tx, message("m1"));
    enqueue(tx, message("m2"));
    enqueue(tx, message("m3"));
  });
  auto entries = all();
  const std::int64_t m1 = entries[2].id, m2 = entries[1].id, m3 = entries[0].id;
  record(writes, m1, State::pending, now_ms() + 5'000);
  record(writes, m1, State::dead);
  record(writes, m2, State::dead);
  record(writes, m3, State::delivered);
  // A delivered or dead message is not pending: a late record does not touch it.
  writes.run([&](storage::WriteTransaction& tx) {
    AttemptRecord late;
    late.id = m3;
    late.new_state = State::dead;
    EXPECT_FALSE(record_attempt(tx, late));
  });

  entries = all();
  EXPECT_EQ(entries[2].state, State::dead);
  EXPECT_EQ(entries[2].attempts, 2);
  EXPECT_EQ(entries[2].last_status, 503);
  EXPECT_EQ(entries[2].last_error, "HTTP 503 Service Unavailable");
  EXPECT_EQ(entries[0].state, State::delivered);
  EXPECT_EQ(entries[0].attempts, 1);
  EXPECT_TRUE(entries[0].delivered_ms.has_value());
  EXPECT_EQ(list_messages(*database_->reader(), State::dead, 10).size(), 2u);

  writes.run([&](storage::WriteTransaction& tx) {
    EXPECT_EQ(retry_dead(tx, m3, now_ms()), 0u) << "delivered is not dead";
    EXPECT_EQ(retry_dead(tx, std::nullopt, now_ms()), 2u);
  });
  entries = all();
  EXPECT_EQ(entries[2].state, State::pending);
  EXPECT_EQ(entries[2].attempts, 0);
  EXPECT_EQ(entries[1].state, State::pending);
  EXPECT_EQ(due_ids().size(), 2u);
}

}  // namespace
}  // namespace socialrx::gateway::outbox
