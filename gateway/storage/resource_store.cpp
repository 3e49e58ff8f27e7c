#include "gateway/storage/resource_store.hpp"

#include <algorithm>
#include <chrono>

#include "gateway/storage/write_transaction.hpp"

namespace socialrx::gateway::storage {

namespace {

std::int64_t integer(const SqlValue& value) {
  if (const auto* number = std::get_if<std::int64_t>(&value)) return *number;
  throw DatabaseError("storage: integer column expected", false);
}

std::string text(SqlValue&& value) {
  if (auto* string = std::get_if<std::string>(&value)) return std::move(*string);
  if (std::holds_alternative<std::nullptr_t>(value)) return {};
  throw DatabaseError("storage: text column expected", false);
}

// Columns: version, seq, last_updated_ms, deleted, body.
StoredResource stored(std::string_view type, std::string_view id, SqlRow&& row) {
  StoredResource resource;
  resource.type = type;
  resource.id = id;
  resource.version = integer(row.at(0));
  resource.seq = integer(row.at(1));
  resource.last_updated_ms = integer(row.at(2));
  resource.deleted = integer(row.at(3)) != 0;
  resource.body = text(std::move(row.at(4)));
  return resource;
}

std::int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

SqlValue str(std::string_view value) { return std::string(value); }

SqlValue optional_integer(const std::optional<std::int64_t>& value) {
  if (value) return *value;
  return nullptr;
}

}  // namespace

// ---- reads ---------------------------------------------------------------------------------

std::optional<StoredResource> ResourceStore::read(std::string_view type, std::string_view id) {
  const SqlValue params[] = {str(type), str(id)};
  auto rows = database_.reader()->query(
      "SELECT version, seq, last_updated_ms, deleted, body FROM resources "
      "WHERE resource_type = ? AND id = ?",
      params);
  if (rows.empty()) return std::nullopt;
  return stored(type, id, std::move(rows.front()));
}

std::optional<StoredResource> ResourceStore::vread(std::string_view type, std::string_view id,
                                                   std::int64_t version) {
  const SqlValue params[] = {str(type), str(id), version};
  auto rows = database_.reader()->query(
      "SELECT version, seq, last_updated_ms, deleted, body FROM resource_versions "
      "WHERE resource_type = ? AND id = ? AND version = ?",
      params);
  if (rows.empty()) return std::nullopt;
  return stored(type, id, std::move(rows.front()));
}

std::vector<StoredResource> ResourceStore::history(const HistoryQuery& query) {
  std::string sql =
      "SELECT resource_type, id, version, seq, last_updated_ms, deleted, body "
      "FROM resource_versions";
  std::vector<SqlValue> params;
  std::vector<std::string> conditions;
  if (!query.type.empty()) {
    conditions.emplace_back("resource_type = ?");
    params.emplace_back(query.type);
    if (!query.id.empty()) {
      conditions.emplace_back("id = ?");
      params.emplace_back(query.id);
    }
  }
  if (query.since_ms) {
    conditions.emplace_back("last_updated_ms >= ?");
    params.emplace_back(*query.since_ms);
  }
  if (query.before_seq) {
    conditions.emplace_back("seq < ?");
    params.emplace_back(*query.before_seq);
  }
  for (std::size_t i = 0; i < conditions.size(); ++i) {
    sql += i == 0 ? " WHERE " : " AND ";
    sql += conditions[i];
  }
  sql += " ORDER BY seq DESC LIMIT ?";
  params.emplace_back(static_cast<std::int64_t>(query.count));

  auto rows = database_.reader()->query(sql, params);
  std::vector<StoredResource> out;
  out.reserve(rows.size());
  for (auto& row : rows) {
    std::string type = text(std::move(row.at(0)));
    std::string id = text(std::move(row.at(1)));
    SqlRow rest(std::make_move_iterator(row.begin() + 2), std::make_move_iterator(row.end()));
    out.push_back(stored(type, id, std::move(rest)));
  }
  return out;
}

// ---- writes --------------------------------------------------------------------------------

std::int64_t max_last_updated_ms(Connection& connection) {
  const auto rows = connection.query(
      "SELECT COALESCE(MAX(last_updated_ms), 0) FROM resource_versions");
  return integer(rows.at(0).at(0));
}

std::optional<StoredResource> BatchWriteTransaction::current(std::string_view type,
                                                             std::string_view id) {
  const SqlValue params[] = {str(type), str(id)};
  auto rows = connection_.query(
      "SELECT version, seq, last_updated_ms, deleted, body FROM resources "
      "WHERE resource_type = ? AND id = ?",
      params);
  if (rows.empty()) return std::nullopt;
  return stored(type, id, std::move(rows.front()));
}

StoredResource BatchWriteTransaction::write_version(
    std::string_view type, std::string_view id, bool deleted,
    const std::function<std::string(const VersionStamp&)>& render,
    std::optional<std::int64_t> expected_version) {
  const bool postgresql = connection_.backend() == Backend::postgresql;
  const SqlValue key[] = {str(type), str(id)};
  for (int attempt = 1;; ++attempt) {
    // On PostgreSQL another node may write the same resource: FOR UPDATE waits for its commit
    // and then reads the version it wrote. With SQLite this process's writer is the only one.
    const auto rows = connection_.query(
        postgresql ? "SELECT version, last_updated_ms FROM resources "
                     "WHERE resource_type = ? AND id = ? FOR UPDATE"
                   : "SELECT version, last_updated_ms FROM resources "
                     "WHERE resource_type = ? AND id = ?",
        key);
    const std::int64_t current_version = rows.empty() ? 0 : integer(rows[0].at(0));
    const std::int64_t current_updated = rows.empty() ? 0 : integer(rows[0].at(1));
    if (expected_version && *expected_version != current_version) {
      throw VersionConflict("version conflict: expected " + std::to_string(*expected_version) +
                            ", current " + std::to_string(current_version));
    }

    StoredResource resource;
    resource.type = type;
    resource.id = id;
    resource.version = current_version + 1;
    resource.last_updated_ms = std::max({wall_clock_ms(), last_updated_ms_, current_updated});
    last_updated_ms_ = resource.last_updated_ms;
    resource.deleted = deleted;
    if (!deleted) resource.body = render(VersionStamp{resource.version, resource.last_updated_ms});

    // Nothing is written before this statement, and when it writes nothing the transaction is
    // still clean (a job may catch VersionConflict and go on).
    const SqlValue version_row[] = {str(type),
                                    str(id),
                                    resource.version,
                                    resource.last_updated_ms,
                                    std::int64_t{deleted ? 1 : 0},
                                    resource.body};
    const auto inserted = connection_.query(
        "INSERT INTO resource_versions "
        "(resource_type, id, version, last_updated_ms, deleted, body) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (resource_type, id, version) DO NOTHING RETURNING seq",
        version_row);
    if (inserted.empty()) {
      // Another node created this resource after our read (there was no row to lock): its
      // INSERT made ours wait and is committed now. Without an expected version, write the
      // next version on top of it (render runs again with the new stamp).
      if (!expected_version && attempt < 3) continue;
      throw VersionConflict("version conflict: version " + std::to_string(resource.version) +
                            " was written concurrently");
    }
    resource.seq = integer(inserted[0].at(0));

    std::int64_t updated = 0;
    if (current_version == 0) {
      const SqlValue row[] = {str(type),
                              str(id),
                              resource.version,
                              resource.seq,
                              resource.last_updated_ms,
                              std::int64_t{deleted ? 1 : 0},
                              resource.body};
      updated = connection_.execute(
          "INSERT INTO resources "
          "(resource_type, id, version, seq, last_updated_ms, deleted, body) "
          "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (resource_type, id) DO NOTHING",
          row);
    } else {
      const SqlValue row[] = {resource.version,
                              resource.seq,
                              resource.last_updated_ms,
                              std::int64_t{deleted ? 1 : 0},
                              resource.body,
                              str(type),
                              str(id),
                              current_version};
      updated = connection_.execute(
          "UPDATE resources SET version = ?, seq = ?, last_updated_ms = ?, deleted = ?, body = ? "
          "WHERE resource_type = ? AND id = ? AND version = ?",
          row);
    }
    if (updated != 1) {
      // Unreachable while every writer inserts the version row first (its unique key orders
      // them); the version row written above goes with the job's savepoint.
      throw VersionConflict("version conflict: the resource changed concurrently");
    }
    written_.push_back({resource.type, resource.id, resource.version, resource.last_updated_ms, deleted});
    return resource;
  }
}

void BatchWriteTransaction::replace_index(std::string_view type, std::string_view id,
                                          const std::vector<IndexRow>& rows) {
  const SqlValue key[] = {str(type), str(id)};
  connection_.execute("DELETE FROM search_index WHERE resource_type = ? AND resource_id = ?", key);
  // Multi-row INSERTs in chunks of 16, 4 and 1 rows: few round trips on PostgreSQL, and only
  // three statement texts in each connection's prepared-statement cache.
  std::size_t done = 0;
  while (done < rows.size()) {
    const std::size_t left = rows.size() - done;
    const std::size_t chunk = left >= 16 ? 16 : left >= 4 ? 4 : 1;
    std::string sql =
        "INSERT INTO search_index "
        "(resource_type, resource_id, param, system, value, low, high) VALUES ";
    std::vector<SqlValue> params;
    params.reserve(chunk * 7);
    for (std::size_t i = 0; i < chunk; ++i) {
      const IndexRow& row = rows[done + i];
      sql += i == 0 ? "(?, ?, ?, ?, ?, ?, ?)" : ", (?, ?, ?, ?, ?, ?, ?)";
      params.emplace_back(str(type));
      params.emplace_back(str(id));
      params.emplace_back(row.param);
      params.emplace_back(row.system);
      params.emplace_back(row.value);
      params.emplace_back(optional_integer(row.low));
      params.emplace_back(optional_integer(row.high));
    }
    connection_.execute(sql, params);
    done += chunk;
  }
}

bool BatchWriteTransaction::claim(std::string_view scope, std::string_view key,
                                  std::string_view type, std::string_view id,
                                  std::string* holder) {
  // ON CONFLICT DO NOTHING against the primary key: the database decides, and a lost race
  // leaves the transaction usable (a failed INSERT would abort it on PostgreSQL). A concurrent
  // uncommitted claim of the same key on another node makes this INSERT wait for its outcome.
  const SqlValue row[] = {str(scope), str(key), str(type), str(id)};
  if (connection_.execute("INSERT INTO unique_claims (scope, claim_key, resource_type, resource_id) "
                          "VALUES (?, ?, ?, ?) ON CONFLICT (scope, claim_key) DO NOTHING",
                          row) == 1) {
    return true;
  }
  const SqlValue claim_key[] = {str(scope), str(key)};
  auto rows = connection_.query(
      "SELECT resource_type, resource_id FROM unique_claims WHERE scope = ? AND claim_key = ?",
      claim_key);
  if (rows.empty()) {
    // The holder's transaction was rolled back after our INSERT had skipped: unknown outcome.
    throw DatabaseError("storage: a unique claim changed concurrently", false);
  }
  std::string holder_type = text(std::move(rows[0].at(0)));
  std::string holder_id = text(std::move(rows[0].at(1)));
  // Claiming again what the same resource holds (an update keeping its identifier) succeeds.
  if (holder_type == type && holder_id == id) return true;
  if (holder) *holder = holder_type + "/" + holder_id;
  return false;
}

}  // namespace socialrx::gateway::storage
