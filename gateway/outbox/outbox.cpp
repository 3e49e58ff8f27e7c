#include "gateway/outbox/outbox.hpp"

#include <chrono>
#include <stdexcept>

#include "gateway/storage/blob_sql.hpp"

namespace socialrx::gateway::outbox {
namespace {

using storage::SqlRow;
using storage::SqlValue;

std::int64_t integer(const SqlValue& value) {
  return std::holds_alternative<std::int64_t>(value) ? std::get<std::int64_t>(value) : 0;
}
std::optional<std::int64_t> optional_integer(const SqlValue& value) {
  if (std::holds_alternative<std::int64_t>(value)) return std::get<std::int64_t>(value);
  return std::nullopt;
}
std::string text(const SqlValue& value) {
  return std::holds_alternative<std::string>(value) ? std::get<std::string>(value) : std::string();
}

// The columns every read selects, in this order (body last: list_messages leaves it out).
constexpr const char* kColumns =
    "id, destination, transport, method, path, content_type, idempotency_key, ordering_key, state, "
    "attempts, next_attempt_ms, last_attempt_ms, last_error, last_status, created_ms, "
    "delivered_ms";

OutboxEntry entry_of(const SqlRow& row, storage::Backend backend, bool with_body) {
  OutboxEntry entry;
  entry.id = integer(row.at(0));
  entry.message.destination = text(row.at(1));
  entry.message.transport = text(row.at(2));
  entry.message.method = text(row.at(3));
  entry.message.path = text(row.at(4));
  entry.message.content_type = text(row.at(5));
  entry.message.idempotency_key = text(row.at(6));
  entry.message.ordering_key = text(row.at(7));
  entry.state = parse_state(text(row.at(8))).value_or(State::dead);
  entry.attempts = static_cast<int>(integer(row.at(9)));
  entry.next_attempt_ms = integer(row.at(10));
  entry.last_attempt_ms = optional_integer(row.at(11));
  entry.last_error = text(row.at(12));
  if (auto status = optional_integer(row.at(13))) entry.last_status = static_cast<int>(*status);
  entry.created_ms = integer(row.at(14));
  entry.delivered_ms = optional_integer(row.at(15));
  if (with_body) entry.message.body = storage::blob_bytes(backend, row.at(16));
  return entry;
}

SqlValue nullable(const std::optional<int>& value) {
  if (value) return std::int64_t{*value};
  return nullptr;
}

}  // namespace

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string_view state_name(State state) {
  switch (state) {
    case State::pending: return "pending";
    case State::delivered: return "delivered";
    case State::dead: return "dead";
  }
  return "dead";
}

std::optional<State> parse_state(std::string_view name) {
  if (name == "pending") return State::pending;
  if (name == "delivered") return State::delivered;
  if (name == "dead") return State::dead;
  return std::nullopt;
}

bool enqueue(storage::WriteTransaction& transaction, const OutgoingMessage& message) {
  if (message.destination.empty() || message.transport.empty() || message.method.empty() ||
      message.idempotency_key.empty()) {
    throw std::invalid_argument(
        "outbox: a message needs destination, transport, method and idempotency_key");
  }
  const std::int64_t now = now_ms();
  storage::Connection& connection = transaction.connection();
  const storage::Backend backend = connection.backend();
  const SqlValue values[] = {message.destination, message.transport, message.method, message.path,
                             storage::blob_value(backend, message.body), message.content_type,
                             message.idempotency_key, message.ordering_key, now, now};
  // ON CONFLICT DO NOTHING (SQLite ≥ 3.24, PostgreSQL ≥ 9.5): a duplicate key neither fails the
  // statement nor, on PostgreSQL, aborts the transaction as a caught unique violation would.
  const std::int64_t inserted = connection.execute(
      "INSERT INTO outbox (destination, transport, method, path, body, content_type, "
      "idempotency_key, ordering_key, state, attempts, next_attempt_ms, last_error, created_ms) "
      "VALUES (?, ?, ?, ?, " + storage::blob_parameter(backend) + ", ?, ?, ?, 'pending', 0, ?, '', ?) "
      "ON CONFLICT (idempotency_key) DO NOTHING",
      values);
  return inserted > 0;
}

std::vector<OutboxEntry> due_messages(storage::Connection& connection, std::int64_t now,
                                      std::size_t limit) {
  const SqlValue values[] = {now, static_cast<std::int64_t>(limit)};
  const auto rows = connection.query(
      std::string("SELECT ") + kColumns + ", " + storage::blob_column(connection.backend(), "body") +
          " FROM outbox o WHERE o.state = 'pending' AND o.next_attempt_ms <= ? "
          "AND (o.ordering_key = '' OR NOT EXISTS (SELECT 1 FROM outbox e "
          "WHERE e.ordering_key = o.ordering_key AND e.id < o.id AND e.state <> 'delivered')) "
          "ORDER BY o.next_attempt_ms, o.id LIMIT ?",
      values);
  std::vector<OutboxEntry> entries;
  entries.reserve(rows.size());
  for (const auto& row : rows) entries.push_back(entry_of(row, connection.backend(), true));
  return entries;
}

std::optional<std::int64_t> next_attempt_ms(storage::Connection& connection) {
  const auto rows =
      connection.query("SELECT MIN(next_attempt_ms) FROM outbox WHERE state = 'pending'");
  if (rows.empty() || rows[0].empty()) return std::nullopt;
  return optional_integer(rows[0][0]);
}

std::vector<OutboxEntry> list_messages(storage::Connection& connection, std::optional<State> state,
                                       std::size_t limit) {
  std::vector<SqlValue> values;
  std::string sql = std::string("SELECT ") + kColumns + " FROM outbox";
  if (state) {
    sql += " WHERE state = ?";
    values.emplace_back(std::string(state_name(*state)));
  }
  sql += " ORDER BY id DESC LIMIT ?";
  values.emplace_back(static_cast<std::int64_t>(limit));
  const auto rows = connection.query(sql, values);
  std::vector<OutboxEntry> entries;
  entries.reserve(rows.size());
  for (const auto& row : rows) entries.push_back(entry_of(row, connection.backend(), false));
  return entries;
}

bool record_attempt(storage::WriteTransaction& transaction, const AttemptRecord& record) {
  auto& connection = transaction.connection();
  const std::string state(state_name(record.new_state));
  if (record.new_state == State::delivered) {
    const SqlValue values[] = {record.attempted_ms, nullable(record.status), record.attempted_ms,
                               record.id};
    return connection.execute(
               "UPDATE outbox SET state = 'delivered', attempts = attempts + 1, "
               "last_attempt_ms = ?, last_status = ?, last_error = '', delivered_ms = ? "
               "WHERE id = ? AND state = 'pending'",
               values) > 0;
  }
  const SqlValue values[] = {state, record.attempted_ms, record.next_attempt_ms,
                             nullable(record.status), record.error, record.id};
  return connection.execute(
             "UPDATE outbox SET state = ?, attempts = attempts + 1, last_attempt_ms = ?, "
             "next_attempt_ms = ?, last_status = ?, last_error = ? "
             "WHERE id = ? AND state = 'pending'",
             values) > 0;
}

std::size_t retry_dead(storage::WriteTransaction& transaction, std::optional<std::int64_t> id,
                       std::int64_t now) {
  // last_error and last_status stay: they say why it died until the next attempt replaces them.
  std::vector<SqlValue> values{now};
  std::string sql =
      "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_ms = ? WHERE state = 'dead'";
  if (id) {
    sql += " AND id = ?";
    values.emplace_back(*id);
  }
  return static_cast<std::size_t>(transaction.connection().execute(sql, values));
}

std::size_t retry_dead_lane(storage::WriteTransaction& transaction, std::string_view ordering_key,
                            std::int64_t now) {
  const SqlValue values[] = {now, std::string(ordering_key)};
  return static_cast<std::size_t>(transaction.connection().execute(
      "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_ms = ? "
      "WHERE state = 'dead' AND ordering_key = ?",
      values));
}

std::int64_t count_lane(storage::Connection& connection, std::string_view ordering_key) {
  const SqlValue values[] = {std::string(ordering_key)};
  const auto rows = connection.query("SELECT COUNT(*) FROM outbox WHERE ordering_key = ?", values);
  return rows.empty() || rows[0].empty() ? 0 : integer(rows[0][0]);
}

}  // namespace socialrx::gateway::outbox
