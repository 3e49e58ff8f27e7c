// The inbound message store on both backends: bytes kept exactly (CP932, ISO-2022-JP escapes,
// NUL), a resent message found by the database (also when two writers insert it at once: one
// wins, the other gets the original), results recorded, filters, retention.

#include "gateway/ingest/inbound_store.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "gateway/storage/write_queue.hpp"
#include "tests/gateway/storage/storage_test_support.hpp"

namespace socialrx::gateway::ingest {
namespace {

using storage::testing::BackendTest;

ArrivedMessage arrived(const std::string& id, const std::string& sender = "HIS^HOSP1") {
  ArrivedMessage m;
  m.channel = "ssmix2";
  m.sender = sender;
  m.message_id = id;
  m.received_ms = now_ms();
  m.peer = "127.0.0.1:40000";
  m.charset = "CP932";
  m.message_type = "ADT^A08";
  // 山田 in CP932 (0x8E 0x52 0x93 0x63) — not UTF-8 — and a NUL byte.
  m.raw = std::string("MSH|^~\\&|\x8e\x52\x93\x63|", 12) + std::string(1, '\0') + "|" + id;
  return m;
}

class InboundStoreTest : public BackendTest {};
SOCIALRX_INSTANTIATE_BACKENDS(InboundStoreTest);

TEST_P(InboundStoreTest, KeepsTheBytesAndFindsAResentMessage) {
  storage::WriteQueue writes(*database_);
  InsertOutcome first;
  InsertOutcome again;
  writes.run([&](storage::WriteTransaction& tx) {
    first = insert_message(tx, arrived("0001"));
    ProcessingRecord record;
    record.id = first.id;
    record.state = MessageState::processed;
    record.disposition = "accepted";
    record.outcome = R"({"resourceType":"OperationOutcome"})";
    record.ack = std::string("MSA|AA|0001\x8e\x52", 14);
    record.processed_ms = now_ms();
    record_processing(tx, record);
  });
  writes.run([&](storage::WriteTransaction& tx) { again = insert_message(tx, arrived("0001")); });
  EXPECT_FALSE(first.duplicate);
  ASSERT_TRUE(again.duplicate);
  EXPECT_EQ(again.id, first.id);
  ASSERT_TRUE(again.original);
  EXPECT_EQ(again.original->ack, std::string("MSA|AA|0001\x8e\x52", 14));
  EXPECT_EQ(again.original->disposition, "accepted");

  const auto stored = find_message(*database_->reader(), first.id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->raw, arrived("0001").raw);
  EXPECT_EQ(stored->raw.size(), arrived("0001").raw.size());
  EXPECT_EQ(stored->state, MessageState::processed);
  EXPECT_EQ(stored->attempts, 1);
  EXPECT_EQ(stored->charset, "CP932");
  EXPECT_TRUE(stored->processed_ms.has_value());

  // Another sender's 0001 and a message without an id are new messages.
  InsertOutcome other;
  InsertOutcome no_id_1;
  InsertOutcome no_id_2;
  writes.run([&](storage::WriteTransaction& tx) {
    other = insert_message(tx, arrived("0001", "HIS^HOSP2"));
    no_id_1 = insert_message(tx, arrived(""));
    no_id_2 = insert_message(tx, arrived(""));
  });
  EXPECT_FALSE(other.duplicate);
  EXPECT_FALSE(no_id_1.duplicate);
  EXPECT_FALSE(no_id_2.duplicate);
  EXPECT_NE(no_id_1.id, no_id_2.id);
  EXPECT_EQ(find_messages(*database_->reader(), {}, 100, false).size(), 4u);
}

TEST_P(InboundStoreTest, TwoWritersInsertingTheSameMessageAtOnceOneWins) {
  // Two databases on the same store, each with its own writer: two nodes (PostgreSQL) or two
  // processes (SQLite), racing on the same (channel, sender, message id) many times.
  auto second = scratch_->open();
  storage::WriteQueue writes_a(*database_);
  storage::WriteQueue writes_b(*second);
  constexpr int kMessages = 40;
  std::atomic<int> duplicates{0};
  std::atomic<int> inserted{0};
  auto race = [&](storage::WriteQueue& writes) {
    for (int i = 0; i < kMessages; ++i) {
      writes.run([&](storage::WriteTransaction& tx) {
        const InsertOutcome outcome = insert_message(tx, arrived("race-" + std::to_string(i)));
        (outcome.duplicate ? duplicates : inserted).fetch_add(1);
      });
    }
  };
  std::thread a([&] { race(writes_a); });
  std::thread b([&] { race(writes_b); });
  a.join();
  b.join();
  EXPECT_EQ(inserted.load(), kMessages);
  EXPECT_EQ(duplicates.load(), kMessages);
  EXPECT_EQ(find_messages(*database_->reader(), {}, 1000, false).size(), static_cast<std::size_t>(kMessages));
}

TEST_P(InboundStoreTest, FiltersAndRetention) {
  storage::WriteQueue writes(*database_);
  std::vector<std::int64_t> ids;
  writes.run([&](storage::WriteTransaction& tx) {
    for (int i = 0; i < 4; ++i) {
      ArrivedMessage m = arrived("f" + std::to_string(i));
      m.received_ms = 1'000'000 + i * 1000;
      if (i == 3) m.channel = "other";
      ids.push_back(insert_message(tx, m).id);
    }
    ProcessingRecord old_processed{ids[0], MessageState::processed, "accepted", "{}", std::nullopt, 5'000};
    ProcessingRecord error{ids[1], MessageState::error, "data_error", "{}", std::string("AE"), 5'000};
    ProcessingRecord new_processed{ids[2], MessageState::processed, "accepted", "{}", std::nullopt, now_ms()};
    record_processing(tx, old_processed);
    record_processing(tx, error);
    record_processing(tx, new_processed);
  });
  const auto connection = database_->reader();
  auto& reader = *connection;
  MessageFilter errors;
  errors.state = MessageState::error;
  ASSERT_EQ(find_messages(reader, errors, 100, false).size(), 1u);
  EXPECT_EQ(find_messages(reader, errors, 100, true).front().ack, "AE");
  MessageFilter channel;
  channel.channel = "other";
  ASSERT_EQ(find_messages(reader, channel, 100, false).size(), 1u);
  EXPECT_EQ(find_messages(reader, channel, 100, false).front().state, MessageState::received);
  MessageFilter window;
  window.since_ms = 1'001'000;
  window.until_ms = 1'003'000;
  const auto in_window = find_messages(reader, window, 100, false);
  ASSERT_EQ(in_window.size(), 2u);
  EXPECT_EQ(in_window[0].id, ids[1]);
  EXPECT_EQ(in_window[1].id, ids[2]);
  EXPECT_EQ(find_messages(reader, {}, 2, false, ids[1]).size(), 2u);  // paging after an id

  // Retention removes only processed messages processed before the cutoff.
  std::size_t removed = 0;
  writes.run([&](storage::WriteTransaction& tx) { removed = remove_processed_before(tx, now_ms() - 60'000); });
  EXPECT_EQ(removed, 1u);
  EXPECT_FALSE(find_message(reader, ids[0]));
  EXPECT_TRUE(find_message(reader, ids[1]));
  EXPECT_TRUE(find_message(reader, ids[2]));
  EXPECT_TRUE(find_message(reader, ids[3]));
}

}  // namespace
}  // namespace socialrx::gateway::ingest
