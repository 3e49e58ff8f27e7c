#include "gateway/storage/sql_dialect.hpp"

#include <cctype>

namespace socialrx::gateway::storage {

namespace {

// Calls on_placeholder(position) for every placeholder '?' outside literals and comments.
template <typename OnPlaceholder>
void scan(std::string_view sql, OnPlaceholder&& on_placeholder) {
  const std::size_t n = sql.size();
  std::size_t i = 0;
  while (i < n) {
    const char c = sql[i];
    if (c == '\'' || c == '"') {
      // '…' or "…": a doubled quote is an escaped quote; an unterminated literal runs to the end.
      ++i;
      while (i < n) {
        if (sql[i] == c) {
          if (i + 1 < n && sql[i + 1] == c) {
            i += 2;
            continue;
          }
          break;
        }
        ++i;
      }
      ++i;
    } else if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
      while (i < n && sql[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
      // PostgreSQL block comments nest; SQLite's do not, but nesting never occurs in our SQL.
      int depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (sql[i] == '/' && i + 1 < n && sql[i + 1] == '*') {
          ++depth;
          i += 2;
        } else if (sql[i] == '*' && i + 1 < n && sql[i + 1] == '/') {
          --depth;
          i += 2;
        } else {
          ++i;
        }
      }
    } else if (c == '$' && (i == 0 || !(std::isalnum(static_cast<unsigned char>(sql[i - 1])) ||
                                        sql[i - 1] == '_'))) {
      // $tag$…$tag$ (tag empty or an identifier); "$1" is not a dollar quote.
      std::size_t j = i + 1;
      while (j < n && (std::isalnum(static_cast<unsigned char>(sql[j])) || sql[j] == '_')) ++j;
      const bool tag_ok = j < n && sql[j] == '$' &&
                          (j == i + 1 || !std::isdigit(static_cast<unsigned char>(sql[i + 1])));
      if (!tag_ok) {
        ++i;
        continue;
      }
      const std::string_view tag = sql.substr(i, j - i + 1);
      const std::size_t end = sql.find(tag, j + 1);
      i = end == std::string_view::npos ? n : end + tag.size();
    } else {
      if (c == '?') on_placeholder(i);
      ++i;
    }
  }
}

}  // namespace

std::string to_postgresql_placeholders(std::string_view sql, std::size_t* count) {
  std::string out;
  out.reserve(sql.size() + 16);
  std::size_t copied = 0;
  std::size_t number = 0;
  scan(sql, [&](std::size_t position) {
    out.append(sql.substr(copied, position - copied));
    out += '$';
    out += std::to_string(++number);
    copied = position + 1;
  });
  out.append(sql.substr(copied));
  if (count) *count = number;
  return out;
}

std::size_t count_placeholders(std::string_view sql) {
  std::size_t number = 0;
  scan(sql, [&](std::size_t) { ++number; });
  return number;
}

std::string statement_verb(std::string_view sql) {
  std::size_t i = 0;
  while (i < sql.size() && std::isspace(static_cast<unsigned char>(sql[i]))) ++i;
  std::string verb;
  while (i < sql.size() && std::isalpha(static_cast<unsigned char>(sql[i])) && verb.size() < 16) {
    verb += static_cast<char>(std::toupper(static_cast<unsigned char>(sql[i])));
    ++i;
  }
  return verb.empty() ? "statement" : verb;
}

}  // namespace socialrx::gateway::storage
