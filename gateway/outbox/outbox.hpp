#pragma once
// The outbox: every outgoing delivery (pushes to full recipients' FHIR servers now; HL7 forwards
// and document deliveries later) as a row of the `outbox` table (migration 3), so that it commits
// together with the writes that caused it and survives a crash until it is delivered.
//
//   writes.submit([&](storage::WriteTransaction& tx) {
//       … write the Task …
//       outbox::enqueue(tx, message);          // same transaction: both or neither
//     }, [&](std::exception_ptr error) { if (!error) worker.notify(); });
//
// States: pending → delivered, or pending → dead (rejected, or max_attempts failures);
// dead → pending again only by hand (`socialrx outbox retry`, retry_dead()).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/outbox/outgoing_message.hpp"
#include "gateway/storage/resource_store.hpp"

namespace socialrx::gateway::outbox {

// Queues `message` inside the caller's write job, due at once. Returns false, writing nothing,
// when a message with the same idempotency_key is queued already (whatever its state): a replay
// is a no-op, not an error. Throws std::invalid_argument when destination, transport, method or
// idempotency_key is empty (the job's savepoint is then rolled back as for any failing job).
bool enqueue(storage::WriteTransaction& transaction, const OutgoingMessage& message);

enum class State { pending, delivered, dead };
std::string_view state_name(State state);
std::optional<State> parse_state(std::string_view name);

// A row of the outbox, as the worker and `socialrx outbox list` see it.
struct OutboxEntry {
  std::int64_t id = 0;
  OutgoingMessage message;  // body left empty by list_messages()
  State state = State::pending;
  int attempts = 0;
  std::int64_t next_attempt_ms = 0;   // Unix epoch ms
  std::optional<std::int64_t> last_attempt_ms;
  std::string last_error;             // status and short reason; never a body
  std::optional<int> last_status;
  std::int64_t created_ms = 0;
  std::optional<std::int64_t> delivered_ms;
};

// Pending messages due at `now_ms`, oldest due first, at most `limit`, with their bodies. A
// message with an ordering key is due only when no older message of its key is undelivered
// (pending or dead): a dead message holds its key's later messages back until it is retried.
std::vector<OutboxEntry> due_messages(storage::Connection& connection, std::int64_t now_ms,
                                      std::size_t limit);

// The earliest next_attempt_ms of any pending message (for the worker's sleep), if any.
std::optional<std::int64_t> next_attempt_ms(storage::Connection& connection);

// Newest first, without bodies; `state` filters.
std::vector<OutboxEntry> list_messages(storage::Connection& connection, std::optional<State> state,
                                       std::size_t limit);

// One attempt's result, as the worker records it (inside a write job).
struct AttemptRecord {
  std::int64_t id = 0;
  State new_state = State::pending;       // pending (retry later), delivered or dead
  std::int64_t attempted_ms = 0;
  std::int64_t next_attempt_ms = 0;       // for pending
  std::optional<int> status;
  std::string error;                      // empty when delivered
};
// Applies it to a message that is still pending (false otherwise: someone changed it meanwhile).
bool record_attempt(storage::WriteTransaction& transaction, const AttemptRecord& record);

// Sets dead messages back to pending, due now, with attempts reset: the one `id` (only if it is
// dead), or every dead message when `id` is empty. Returns how many.
std::size_t retry_dead(storage::WriteTransaction& transaction, std::optional<std::int64_t> id,
                       std::int64_t now_ms);

// The same for the dead messages of one ordering key (a lane that a fix or its owner reopened).
std::size_t retry_dead_lane(storage::WriteTransaction& transaction, std::string_view ordering_key,
                            std::int64_t now_ms);

// How many messages were ever queued with this ordering key, whatever their state.
std::int64_t count_lane(storage::Connection& connection, std::string_view ordering_key);

std::int64_t now_ms();

}  // namespace socialrx::gateway::outbox
