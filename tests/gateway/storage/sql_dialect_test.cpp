#include "gateway/storage/sql_dialect.hpp"

#include <gtest/gtest.h>

namespace socialrx::gateway::storage {
namespace {

TEST(SqlDialect, NumbersPlaceholdersInOrder) {
  std::size_t count = 0;
  EXPECT_EQ(to_postgresql_placeholders("SELECT a FROM t WHERE b = ? AND c IN (?, ?)", &count),
            "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)");
  EXPECT_EQ(count, 3u);
  EXPECT_EQ(count_placeholders("INSERT INTO t VALUES (?,?)"), 2u);
  EXPECT_EQ(to_postgresql_placeholders("SELECT 1", &count), "SELECT 1");
  EXPECT_EQ(count, 0u);
  EXPECT_EQ(to_postgresql_placeholders(""), "");
  EXPECT_EQ(to_postgresql_placeholders("?"), "$1");
}

TEST(SqlDialect, LeavesQuestionMarksInLiteralsAndCommentsAlone) {
  EXPECT_EQ(to_postgresql_placeholders("SELECT '?', ? FROM t WHERE x = 'it''s ?' AND y = ?"),
            "SELECT '?', $1 FROM t WHERE x = 'it''s ?' AND y = $2");
  EXPECT_EQ(to_postgresql_placeholders(R"(SELECT "odd?name", ? FROM "t""?")"),
            R"(SELECT "odd?name", $1 FROM "t""?")");
  EXPECT_EQ(to_postgresql_placeholders("SELECT ? -- why?\n, ? /* what? /* nested? */ ? */ , ?"),
            "SELECT $1 -- why?\n, $2 /* what? /* nested? */ ? */ , $3");
  EXPECT_EQ(to_postgresql_placeholders("SELECT $$a?b$$, $tag$ ? $tag$, ?"),
            "SELECT $$a?b$$, $tag$ ? $tag$, $1");
  // An unterminated literal swallows the rest rather than inventing placeholders.
  EXPECT_EQ(count_placeholders("SELECT 'open ? "), 0u);
  // "$1" already numbered and a dollar inside an identifier are not dollar quotes.
  EXPECT_EQ(to_postgresql_placeholders("SELECT a$b, ? FROM t"), "SELECT a$b, $1 FROM t");
  EXPECT_EQ(to_postgresql_placeholders("SELECT ?::text || '$x$', ?"), "SELECT $1::text || '$x$', $2");
}

TEST(SqlDialect, StatementVerb) {
  EXPECT_EQ(statement_verb("  insert into t values (?)"), "INSERT");
  EXPECT_EQ(statement_verb("SELECT 1"), "SELECT");
  EXPECT_EQ(statement_verb(""), "statement");
}

}  // namespace
}  // namespace socialrx::gateway::storage
