#pragma once
// The inbound message store (table inbound_messages, migration 4): every message a source hands
// over, as raw bytes with its charset, channel, peer and time, committed before any reply says
// it was taken. One row per message; a resent message (same channel, sender and message id) is
// found through the UNIQUE constraint by the database itself, so two copies arriving at once
// cannot both be inserted, on one node or several.
//
// States: received (stored, not yet processed) → processed | error. An error row keeps the
// OperationOutcome of why; `socialrx reprocess` and POST /ingest/$reprocess run it again.
// Raw bytes and the reply are binary (BLOB / BYTEA): CP932 is not UTF-8.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/storage/resource_store.hpp"

namespace socialrx::gateway::ingest {

enum class MessageState { received, processed, error };
std::string_view state_name(MessageState state);
std::optional<MessageState> parse_state(std::string_view name);

struct InboundMessage {
  std::int64_t id = 0;
  std::string channel;
  std::string sender;      // empty when the header could not be read
  std::string message_id;  // empty when the message has none (no duplicate detection then)
  std::int64_t received_ms = 0;
  std::string peer;        // "127.0.0.1:53122", "file:name.hl7"
  std::string charset;
  std::string message_type;
  std::string raw;         // the bytes as received (framing removed); empty when not selected
  MessageState state = MessageState::received;
  std::string disposition;  // accepted | data_error | rejected (what the reply said)
  std::string outcome;      // OperationOutcome JSON; empty while received
  std::string ack;          // the reply bytes the source got; empty when not selected or none
  std::optional<std::int64_t> processed_ms;
  int attempts = 0;         // how many times it was processed (1 + reprocessings)
};

// What a write job inserts: the message as it came.
struct ArrivedMessage {
  std::string channel;
  std::string sender;
  std::string message_id;
  std::int64_t received_ms = 0;
  std::string peer;
  std::string charset;
  std::string message_type;
  std::string raw;
  // The result when it is known before the insert (the pipeline: one statement instead of an
  // insert and an update in the common case); state received leaves the rest empty.
  MessageState state = MessageState::received;
  std::string disposition;
  std::string outcome;
  std::string ack;
  std::optional<std::int64_t> processed_ms;
};

struct InsertOutcome {
  std::int64_t id = 0;
  bool duplicate = false;  // the stored original is in `original` (with its ack)
  std::optional<InboundMessage> original;
};

// Inside a write job: inserts the message (in its state; attempts 1 unless received); when a message with the same
// channel, sender and non-empty message id is stored already, inserts nothing and returns that
// one (duplicate). Race-free: INSERT … ON CONFLICT DO NOTHING.
InsertOutcome insert_message(storage::WriteTransaction& transaction, const ArrivedMessage& message);

// Inside a write job: the result of processing message `id`.
struct ProcessingRecord {
  std::int64_t id = 0;
  MessageState state = MessageState::processed;
  std::string disposition;
  std::string outcome;                   // OperationOutcome JSON
  std::optional<std::string> ack;        // set: store these reply bytes; unset: keep the stored ones
  std::int64_t processed_ms = 0;
  bool new_attempt = true;               // counts in attempts (false: corrects the current one)
};
void record_processing(storage::WriteTransaction& transaction, const ProcessingRecord& record);

// Which messages: every field that is set must match.
struct MessageFilter {
  std::optional<std::int64_t> id;
  std::optional<std::string> channel;
  std::optional<MessageState> state;
  std::optional<std::int64_t> since_ms;  // received_ms >= since
  std::optional<std::int64_t> until_ms;  // received_ms < until
};

// Oldest first (by id), at most `limit`, starting after `after_id`; `with_bytes` selects raw
// and ack too.
std::vector<InboundMessage> find_messages(storage::Connection& connection, const MessageFilter& filter,
                                          std::size_t limit, bool with_bytes,
                                          std::int64_t after_id = 0);
std::optional<InboundMessage> find_message(storage::Connection& connection, std::int64_t id);

// Retention: removes processed messages processed before `cutoff_ms` (error and received rows
// stay). Returns how many.
std::size_t remove_processed_before(storage::WriteTransaction& transaction, std::int64_t cutoff_ms);

std::int64_t now_ms();

}  // namespace socialrx::gateway::ingest
