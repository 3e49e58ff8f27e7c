#include "gateway/ingest/inbound_store.hpp"

#include <chrono>

#include "gateway/storage/blob_sql.hpp"

namespace socialrx::gateway::ingest {
namespace {

using storage::Backend;
using storage::SqlRow;
using storage::SqlValue;

std::int64_t integer(const SqlValue& value) {
  return std::holds_alternative<std::int64_t>(value) ? std::get<std::int64_t>(value) : 0;
}
std::string text(const SqlValue& value) {
  return std::holds_alternative<std::string>(value) ? std::get<std::string>(value) : std::string();
}

// Binary columns (raw, ack): gateway/storage/blob_sql.hpp.
std::string blob_parameter(storage::Connection& connection) { return storage::blob_parameter(connection.backend()); }
SqlValue blob_value(storage::Connection& connection, std::string_view bytes) {
  return storage::blob_value(connection.backend(), bytes);
}
std::string blob_column(storage::Connection& connection, std::string_view column) {
  return storage::blob_column(connection.backend(), column);
}
std::string blob_text(storage::Connection& connection, const SqlValue& value) {
  return storage::blob_bytes(connection.backend(), value);
}

// The columns every read selects, in this order; raw and ack follow when asked for.
constexpr const char* kColumns =
    "id, channel, sender, message_id, received_ms, peer, charset, message_type, state, "
    "disposition, outcome, processed_ms, attempts";

InboundMessage message_of(storage::Connection& connection, const SqlRow& row, bool with_bytes) {
  InboundMessage message;
  message.id = integer(row.at(0));
  message.channel = text(row.at(1));
  message.sender = text(row.at(2));
  message.message_id = text(row.at(3));
  message.received_ms = integer(row.at(4));
  message.peer = text(row.at(5));
  message.charset = text(row.at(6));
  message.message_type = text(row.at(7));
  message.state = parse_state(text(row.at(8))).value_or(MessageState::error);
  message.disposition = text(row.at(9));
  message.outcome = text(row.at(10));
  if (std::holds_alternative<std::int64_t>(row.at(11))) message.processed_ms = integer(row.at(11));
  message.attempts = static_cast<int>(integer(row.at(12)));
  if (with_bytes) {
    message.raw = blob_text(connection, row.at(13));
    message.ack = blob_text(connection, row.at(14));
  }
  return message;
}

std::string select_list(storage::Connection& connection, bool with_bytes) {
  std::string columns = kColumns;
  if (with_bytes) columns += ", " + blob_column(connection, "raw") + ", " + blob_column(connection, "ack");
  return columns;
}

}  // namespace

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string_view state_name(MessageState state) {
  switch (state) {
    case MessageState::received: return "received";
    case MessageState::processed: return "processed";
    case MessageState::error: return "error";
  }
  return "error";
}

std::optional<MessageState> parse_state(std::string_view name) {
  if (name == "received") return MessageState::received;
  if (name == "processed") return MessageState::processed;
  if (name == "error") return MessageState::error;
  return std::nullopt;
}

InsertOutcome insert_message(storage::WriteTransaction& transaction, const ArrivedMessage& message) {
  storage::Connection& connection = transaction.connection();
  // ON CONFLICT DO NOTHING: on PostgreSQL a caught unique violation would abort the whole
  // group commit's transaction; this waits for a concurrent inserter instead and then skips.
  const std::string sql =
      "INSERT INTO inbound_messages (channel, sender, message_id, received_ms, peer, charset, "
      "message_type, raw, state, disposition, outcome, ack, processed_ms, attempts) VALUES "
      "(?, ?, ?, ?, ?, ?, ?, " + blob_parameter(connection) + ", ?, ?, ?, " +
      blob_parameter(connection) + ", ?, ?) "
      "ON CONFLICT (channel, sender, message_id) DO NOTHING RETURNING id";
  const SqlValue values[] = {
      message.channel,
      message.sender,
      message.message_id.empty() ? SqlValue(nullptr) : SqlValue(message.message_id),
      message.received_ms,
      message.peer,
      message.charset,
      message.message_type,
      blob_value(connection, message.raw),
      std::string(state_name(message.state)),
      message.disposition,
      message.outcome,
      blob_value(connection, message.ack),
      message.processed_ms ? SqlValue(*message.processed_ms) : SqlValue(nullptr),
      std::int64_t{message.state == MessageState::received ? 0 : 1},
  };
  const auto rows = connection.query(sql, values);
  InsertOutcome outcome;
  if (!rows.empty()) {
    outcome.id = integer(rows.front().at(0));
    return outcome;
  }
  // Only a message with an id can conflict (NULLs never do).
  const std::string select = "SELECT " + select_list(connection, true) +
                             " FROM inbound_messages WHERE channel = ? AND sender = ? AND message_id = ?";
  const SqlValue key[] = {message.channel, message.sender, message.message_id};
  const auto found = connection.query(select, key);
  if (found.empty()) {
    throw storage::DatabaseError("inbound_messages: a conflicting message could not be read back", false);
  }
  outcome.duplicate = true;
  outcome.original = message_of(connection, found.front(), true);
  outcome.id = outcome.original->id;
  return outcome;
}

void record_processing(storage::WriteTransaction& transaction, const ProcessingRecord& record) {
  storage::Connection& connection = transaction.connection();
  if (record.ack) {
    const std::string sql = "UPDATE inbound_messages SET state = ?, disposition = ?, outcome = ?, ack = " +
                            blob_parameter(connection) +
                            ", processed_ms = ?, attempts = attempts + ? WHERE id = ?";
    const SqlValue values[] = {std::string(state_name(record.state)), record.disposition, record.outcome,
                               blob_value(connection, *record.ack), record.processed_ms,
                               std::int64_t{record.new_attempt ? 1 : 0}, record.id};
    connection.execute(sql, values);
    return;
  }
  const SqlValue values[] = {std::string(state_name(record.state)), record.disposition, record.outcome,
                             record.processed_ms, std::int64_t{record.new_attempt ? 1 : 0}, record.id};
  connection.execute(
      "UPDATE inbound_messages SET state = ?, disposition = ?, outcome = ?, processed_ms = ?, "
      "attempts = attempts + ? WHERE id = ?",
      values);
}

std::vector<InboundMessage> find_messages(storage::Connection& connection, const MessageFilter& filter,
                                          std::size_t limit, bool with_bytes, std::int64_t after_id) {
  std::string sql = "SELECT " + select_list(connection, with_bytes) + " FROM inbound_messages WHERE id > ?";
  std::vector<SqlValue> values{after_id};
  if (filter.id) {
    sql += " AND id = ?";
    values.emplace_back(*filter.id);
  }
  if (filter.channel) {
    sql += " AND channel = ?";
    values.emplace_back(*filter.channel);
  }
  if (filter.state) {
    sql += " AND state = ?";
    values.emplace_back(std::string(state_name(*filter.state)));
  }
  if (filter.since_ms) {
    sql += " AND received_ms >= ?";
    values.emplace_back(*filter.since_ms);
  }
  if (filter.until_ms) {
    sql += " AND received_ms < ?";
    values.emplace_back(*filter.until_ms);
  }
  sql += " ORDER BY id LIMIT ?";
  values.emplace_back(static_cast<std::int64_t>(limit));
  std::vector<InboundMessage> out;
  for (const SqlRow& row : connection.query(sql, values)) out.push_back(message_of(connection, row, with_bytes));
  return out;
}

std::optional<InboundMessage> find_message(storage::Connection& connection, std::int64_t id) {
  MessageFilter filter;
  filter.id = id;
  auto found = find_messages(connection, filter, 1, true);
  if (found.empty()) return std::nullopt;
  return std::move(found.front());
}

std::size_t remove_processed_before(storage::WriteTransaction& transaction, std::int64_t cutoff_ms) {
  const SqlValue values[] = {cutoff_ms};
  return static_cast<std::size_t>(transaction.connection().execute(
      "DELETE FROM inbound_messages WHERE state = 'processed' AND processed_ms < ?", values));
}

}  // namespace socialrx::gateway::ingest
