// PostgreSQL connections: a Poco::Data session, statements on its PGconn as cached prepared
// statements (see driver.hpp).

#include <libpq-fe.h>

#include <Poco/Data/PostgreSQL/PostgreSQLTypes.h>
#include <Poco/Data/PostgreSQL/SessionImpl.h>
#include <Poco/Data/Session.h>
#include <Poco/Exception.h>

#include <cctype>
#include <charconv>
#include <cstring>
#include <stdexcept>
#include <unordered_map>

#include "gateway/storage/driver.hpp"
#include "gateway/storage/sql_dialect.hpp"

namespace socialrx::gateway::storage {

namespace {

constexpr std::size_t kStatementCacheSize = 256;

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

std::string trimmed(const char* text) {
  std::string out = text ? text : "";
  while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back()))) out.pop_back();
  return out;
}

void ignore_notice(void*, const char*) {}

class PostgresqlConnection final : public DriverConnection {
 public:
  explicit PostgresqlConnection(const std::string& conninfo) : session_("PostgreSQL", conninfo) {
    auto* impl = dynamic_cast<Poco::Data::PostgreSQL::SessionImpl*>(session_.impl());
    if (impl == nullptr) throw DatabaseError("postgresql: unexpected session type", false);
    handle_ = &impl->handle();
    conn_ = *handle_;
    configure();
  }

  Backend backend() const override { return Backend::postgresql; }

  std::int64_t execute(std::string_view sql, std::span<const SqlValue> params) override {
    Result result = run(sql, params);
    const char* affected = PQcmdTuples(result.get());
    std::int64_t count = 0;
    if (affected && *affected) std::from_chars(affected, affected + std::strlen(affected), count);
    return count;
  }

  std::vector<SqlRow> query(std::string_view sql, std::span<const SqlValue> params) override {
    using namespace Poco::Data::PostgreSQL;
    Result result = run(sql, params);
    const int rows = PQntuples(result.get());
    const int columns = PQnfields(result.get());
    enum class Kind { integer, boolean, text };
    std::vector<Kind> kinds(static_cast<std::size_t>(columns), Kind::text);
    for (int c = 0; c < columns; ++c) {
      const Oid type = PQftype(result.get(), c);
      if (type == INT8OID || type == INT4OID || type == INT2OID || type == 26 /* oid */) {
        kinds[static_cast<std::size_t>(c)] = Kind::integer;
      } else if (type == BOOLOID) {
        kinds[static_cast<std::size_t>(c)] = Kind::boolean;
      }
    }
    std::vector<SqlRow> out;
    out.reserve(static_cast<std::size_t>(rows));
    for (int r = 0; r < rows; ++r) {
      SqlRow& row = out.emplace_back();
      row.reserve(static_cast<std::size_t>(columns));
      for (int c = 0; c < columns; ++c) {
        if (PQgetisnull(result.get(), r, c)) {
          row.emplace_back(nullptr);
          continue;
        }
        const char* value = PQgetvalue(result.get(), r, c);
        const int length = PQgetlength(result.get(), r, c);
        switch (kinds[static_cast<std::size_t>(c)]) {
          case Kind::integer: {
            std::int64_t number = 0;
            std::from_chars(value, value + length, number);
            row.emplace_back(number);
            break;
          }
          case Kind::boolean:
            row.emplace_back(std::int64_t{value[0] == 't' ? 1 : 0});
            break;
          case Kind::text:
            row.emplace_back(std::string(value, static_cast<std::size_t>(length)));
            break;
        }
      }
    }
    return out;
  }

  bool recycle() noexcept override {
    if (PQstatus(conn_) != CONNECTION_OK) return false;
    switch (PQtransactionStatus(conn_)) {
      case PQTRANS_IDLE:
        return true;
      case PQTRANS_INTRANS:
      case PQTRANS_INERROR: {
        Result result(PQexec(conn_, "ROLLBACK"));
        return result && PQresultStatus(result.get()) == PGRES_COMMAND_OK;
      }
      default:
        return false;
    }
  }

  void ensure_connected() override {
    if (PQstatus(conn_) == CONNECTION_OK) return;
    cache_.clear();  // prepared statements die with the server session
    if (!handle_->reset() || PQstatus(conn_) != CONNECTION_OK) {
      throw DatabaseError("postgresql: connection lost and reconnecting failed", false);
    }
    configure();
  }

 private:
  void configure() {
    PQsetNoticeProcessor(conn_, ignore_notice, nullptr);
    // A COMMIT returns only once its WAL is flushed: the write queue acknowledges after it.
    execute("SET synchronous_commit = on", {});
  }

  [[noreturn]] void fail(std::string_view sql, const PGresult* result) const {
    const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    const std::string sqlstate = state ? state : "";
    std::string message = "postgresql: " + statement_verb(sql) + " failed";
    if (!sqlstate.empty()) message += ": SQLSTATE " + sqlstate;
    if (result) {
      if (const char* constraint = PQresultErrorField(result, PG_DIAG_CONSTRAINT_NAME)) {
        message += std::string(", constraint ") + constraint;
      }
      // The primary message, except for data exceptions (class 22), which quote the offending
      // value; DETAIL is never included (for a unique violation it lists the key's values).
      if (sqlstate.rfind("22", 0) != 0 && sqlstate.rfind("P0", 0) != 0) {
        const std::string primary = trimmed(PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY));
        if (!primary.empty()) message += ": " + primary;
      }
    } else {
      message += ": " + trimmed(PQerrorMessage(conn_));
    }
    if (PQstatus(conn_) != CONNECTION_OK) message += " (connection lost)";
    throw DatabaseError(message, sqlstate == "23505");
  }

  Result run(std::string_view sql, std::span<const SqlValue> params) {
    // Integers are sent as int8; text and NULL leave the type to the server's inference.
    std::string key;
    key.reserve(params.size() + 1 + sql.size());
    for (const auto& param : params) key += std::holds_alternative<std::int64_t>(param) ? 'i' : 'x';
    key += '|';
    key.append(sql);

    auto found = cache_.find(key);
    if (found == cache_.end()) {
      std::size_t placeholders = 0;
      const std::string translated = to_postgresql_placeholders(sql, &placeholders);
      if (placeholders != params.size()) {
        throw DatabaseError("postgresql: " + statement_verb(sql) + " failed: " +
                                std::to_string(params.size()) + " parameters for " +
                                std::to_string(placeholders) + " placeholders",
                            false);
      }
      if (cache_.size() >= kStatementCacheSize) {
        Result ignored(PQexec(conn_, "DEALLOCATE ALL"));
        cache_.clear();
      }
      std::vector<Oid> types;
      types.reserve(params.size());
      for (const auto& param : params) {
        types.push_back(std::holds_alternative<std::int64_t>(param) ? Poco::Data::PostgreSQL::INT8OID
                                                                    : Oid{0});
      }
      const std::string name = "s" + std::to_string(++statement_counter_);
      Result prepared(PQprepare(conn_, name.c_str(), translated.c_str(),
                                static_cast<int>(types.size()), types.data()));
      if (!prepared || PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) {
        fail(sql, prepared.get());
      }
      found = cache_.emplace(std::move(key), name).first;
    }

    std::vector<std::string> numbers(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    for (std::size_t i = 0; i < params.size(); ++i) {
      if (const auto* integer = std::get_if<std::int64_t>(&params[i])) {
        numbers[i] = std::to_string(*integer);
        values[i] = numbers[i].c_str();
      } else if (const auto* text = std::get_if<std::string>(&params[i])) {
        // Text parameters travel NUL-terminated (and PostgreSQL text cannot hold NUL): refuse
        // rather than store a silently truncated value.
        if (text->find('\0') != std::string::npos) {
          throw DatabaseError("postgresql: " + statement_verb(sql) + " failed: parameter " +
                                  std::to_string(i + 1) + " contains a NUL character",
                              false);
        }
        values[i] = text->c_str();
      }
    }
    Result result(PQexecPrepared(conn_, found->second.c_str(), static_cast<int>(values.size()),
                                 values.data(), nullptr, nullptr, 0));
    const auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      // "cached plan must not change result type": a migration (perhaps by another node)
      // changed a table under this prepared statement; prepare it afresh next time.
      const char* state = result ? PQresultErrorField(result.get(), PG_DIAG_SQLSTATE) : nullptr;
      if (state && std::string_view(state) == "0A000") cache_.erase(found);
      fail(sql, result.get());
    }
    return result;
  }

  Poco::Data::Session session_;
  Poco::Data::PostgreSQL::SessionHandle* handle_ = nullptr;
  PGconn* conn_ = nullptr;
  std::unordered_map<std::string, std::string> cache_;  // signature|sql -> statement name
  std::uint64_t statement_counter_ = 0;
};

// libpq's unquoted value syntax: backslash escapes quotes and backslashes.
std::string escape_value(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

std::string postgresql_conninfo(const std::string& url_or_keywords) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url_or_keywords.c_str(), &error);
  if (options == nullptr) {
    // libpq's message may quote part of the input (a password): not repeated here.
    if (error) PQfreemem(error);
    throw std::invalid_argument(
        "postgresql: the connection setting is neither a libpq keyword string nor a "
        "postgresql:// URL");
  }
  std::string out;
  std::string bad_key;
  for (const PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
    if (option->val == nullptr || *option->val == '\0') continue;
    std::string value = option->val;
    const std::string key = option->keyword;
    if (key == "options") {
      // "-c name=value" can be written "-cname=value"; several options need spaces.
      for (std::size_t at = value.find("-c "); at != std::string::npos; at = value.find("-c ", at)) {
        value.erase(at + 2, 1);
      }
    }
    bool has_space = false;
    for (char c : value) has_space = has_space || std::isspace(static_cast<unsigned char>(c));
    if (has_space) {
      bad_key = key;
      break;
    }
    if (!out.empty()) out += ' ';
    out += key + "=" + escape_value(value);
  }
  PQconninfoFree(options);
  if (!bad_key.empty()) {
    throw std::invalid_argument("postgresql: the connection parameter '" + bad_key +
                                "' contains a space, which Poco's PostgreSQL connector cannot "
                                "pass on");
  }
  return out;
}

std::unique_ptr<DriverConnection> open_postgresql(const std::string& conninfo) {
  register_connectors();
  {
    // Poco 1.11 leaks the PGconn when a connection attempt fails (SessionHandle::connect does
    // not PQfinish it), so a first attempt here reports failures; Poco connects once it works.
    PGconn* probe = PQconnectdb(conninfo.c_str());
    const bool ok = probe != nullptr && PQstatus(probe) == CONNECTION_OK;
    // libpq's message names host and port, never the password.
    const std::string message = ok ? "" : trimmed(probe ? PQerrorMessage(probe) : "out of memory");
    PQfinish(probe);
    if (!ok) throw DatabaseError("postgresql: cannot connect: " + message, false);
  }
  try {
    return std::make_unique<PostgresqlConnection>(conninfo);
  } catch (const DatabaseError&) {
    throw;
  } catch (const Poco::Exception& error) {
    // Poco's text names host and port (libpq's message), never the password.
    throw DatabaseError("postgresql: cannot connect: " + error.displayText(), false);
  }
}

}  // namespace socialrx::gateway::storage
