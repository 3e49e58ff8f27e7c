#pragma once
// SQL written once with '?' placeholders, translated for PostgreSQL ($1, $2…).

#include <cstddef>
#include <string>
#include <string_view>

namespace socialrx::gateway::storage {

// Replaces each '?' placeholder with $1, $2… in order. A '?' inside a string literal ('…'), a
// quoted identifier ("…"), a dollar-quoted string ($tag$…$tag$) or a comment (-- …, /* … */) is
// left alone. `count` receives the number of placeholders. Not understood (not used in our
// SQL): E'…' strings with backslash-escaped quotes, and PostgreSQL's ?-operators (jsonb ?|).
std::string to_postgresql_placeholders(std::string_view sql, std::size_t* count = nullptr);

// The number of '?' placeholders by the same rules.
std::size_t count_placeholders(std::string_view sql);

// The first word of a statement in upper case ("INSERT", "SELECT"…), for error messages that
// must name the operation without quoting SQL or values.
std::string statement_verb(std::string_view sql);

}  // namespace socialrx::gateway::storage
