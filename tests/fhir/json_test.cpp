#include "fhir/json.hpp"

#include <gtest/gtest.h>

namespace socialrx::fhir::json {
namespace {

Document parsed(std::string_view text) {
  ParseResult result = parse(text);
  EXPECT_TRUE(result.document.has_value()) << text;
  if (!result.document) return Document();
  return std::move(*result.document);
}

IssueType parse_error(std::string_view text, const ParseLimits& limits = {}) {
  ParseResult result = parse(text, limits);
  EXPECT_FALSE(result.document.has_value()) << text;
  EXPECT_EQ(result.issues.size(), 1u);
  return result.issues.empty() ? IssueType::informational : result.issues.items()[0].code;
}

TEST(Json, DecimalsKeepTheirText) {
  const std::string text = R"({"a":1.50,"b":-0.0,"c":1e5,"d":12345678901234567890.000,"e":0})";
  Document document = parsed(text);
  EXPECT_EQ(document.root().find("a")->text(), "1.50");
  EXPECT_TRUE(document.root().find("a")->is_number());
  EXPECT_EQ(serialize(document.root()), text);
}

TEST(Json, NumbersAndStringsStayDistinct) {
  Document document = parsed(R"({"n":1.5,"s":"1.5"})");
  EXPECT_TRUE(document.root().find("n")->is_number());
  EXPECT_TRUE(document.root().find("s")->is_string());
  EXPECT_EQ(document.root().find("n")->text(), document.root().find("s")->text());
  EXPECT_FALSE(equal_ignoring_member_order(*document.root().find("n"), *document.root().find("s")));
}

TEST(Json, MemberOrderAndDuplicatesAreKept) {
  Document document = parsed(R"({"z":1,"a":2,"z":3})");
  ASSERT_EQ(document.root().size(), 3u);
  EXPECT_EQ(document.root().members()[0].key, "z");
  EXPECT_EQ(document.root().members()[2].value.text(), "3");
  EXPECT_EQ(document.root().find("z")->text(), "1");  // the first one
}

TEST(Json, UnicodeEscapesBecomeUtf8AndRoundTrip) {
  Document document = parsed(R"({"name":"\u5b87\u90fd\u5bae","emoji":"\ud83d\ude00","ctl":"a\nb\"c"})");
  EXPECT_EQ(document.root().string_at("name"), "宇都宮");
  EXPECT_EQ(document.root().string_at("emoji"), "😀");
  Document again = parsed(serialize(document.root()));
  EXPECT_TRUE(equal_ignoring_member_order(document.root(), again.root()));
  EXPECT_EQ(again.root().string_at("ctl"), "a\nb\"c");
}

TEST(Json, InvalidUtf8IsAStructureError) {
  EXPECT_EQ(parse_error("{\"a\":\"\xff\"}"), IssueType::structure);
  EXPECT_EQ(parse_error("{\"a\":\"\xc0\xaf\"}"), IssueType::structure);       // overlong '/'
  EXPECT_EQ(parse_error("{\"a\":\"\xe5\xae\"}"), IssueType::structure);       // truncated
  EXPECT_EQ(parse_error("{\"a\":\"\x93\xfa\x96\x7b\"}"), IssueType::structure);  // CP932 日本
  EXPECT_EQ(parse_error(R"({"a":"\ud800"})"), IssueType::structure);          // lone surrogate
  ParseResult result = parse("{\"a\":\"\xff\"}");
  EXPECT_NE(result.issues.items()[0].diagnostics.find("UTF-8"), std::string::npos);
}

TEST(Json, SyntaxErrorsSayWhere) {
  ParseResult result = parse(R"({"a": [1, 2,]})");
  ASSERT_FALSE(result.document);
  EXPECT_EQ(result.issues.items()[0].code, IssueType::structure);
  EXPECT_NE(result.issues.items()[0].diagnostics.find("at byte"), std::string::npos);
  EXPECT_EQ(parse_error(""), IssueType::structure);
  EXPECT_EQ(parse_error("{} {}"), IssueType::structure);
  EXPECT_EQ(parse_error("{\"a\":NaN}"), IssueType::structure);
}

TEST(Json, ByteOrderMarkIsTolerated) {
  Document document = parsed("\xEF\xBB\xBF{\"resourceType\":\"Patient\"}");
  EXPECT_EQ(document.root().string_at("resourceType"), "Patient");
}

TEST(Json, DepthLimit) {
  ParseLimits limits;
  limits.max_depth = 10;
  const std::string ten = std::string(10, '[') + std::string(10, ']');
  EXPECT_TRUE(parse(ten, limits).document.has_value());
  const std::string eleven = std::string(11, '[') + std::string(11, ']');
  EXPECT_EQ(parse_error(eleven, limits), IssueType::too_costly);
  // Far deeper than any stack could recurse: the iterative reader stops at the limit.
  std::string deep;
  for (int i = 0; i < 200000; ++i) deep += "{\"a\":";
  EXPECT_EQ(parse_error(deep), IssueType::too_costly);
}

TEST(Json, SizeLimit) {
  ParseLimits limits;
  limits.max_bytes = 16;
  EXPECT_EQ(parse_error(R"({"resourceType":"Patient"})", limits), IssueType::too_long);
}

TEST(Json, BuildingAndEditing) {
  Document document = parsed(R"({"resourceType":"Patient","active":true})");
  Value edited = document.with_member(document.root(), "id", document.make_string("p1"));
  edited = document.with_member(edited, "active", Document::make_bool(false));
  edited = document.without_member(edited, "resourceType");
  document.set_root(edited);
  EXPECT_EQ(serialize(document.root()), R"({"active":false,"id":"p1"})");

  Document other;
  Value items[] = {other.make_number("1.50"), other.make_string("x"), Value()};
  Member members[] = {{"list", other.make_array(items)}, {"obj", other.copy(document.root())}};
  other.set_root(other.make_object(members));
  EXPECT_EQ(serialize(other.root()), R"({"list":[1.50,"x",null],"obj":{"active":false,"id":"p1"}})");
}

TEST(Json, EqualityIgnoresMemberOrderOnly) {
  Document a = parsed(R"({"x":[1,2],"y":{"p":"q","r":true}})");
  Document b = parsed(R"({"y":{"r":true,"p":"q"},"x":[1,2]})");
  Document c = parsed(R"({"y":{"r":true,"p":"q"},"x":[2,1]})");
  Document d = parsed(R"({"y":{"r":true,"p":"q"},"x":[1,2.0]})");
  EXPECT_TRUE(equal_ignoring_member_order(a.root(), b.root()));
  EXPECT_FALSE(equal_ignoring_member_order(a.root(), c.root()));
  EXPECT_FALSE(equal_ignoring_member_order(a.root(), d.root()));
}

TEST(Json, PrettyOutputParsesBack) {
  Document a = parsed(R"({"name":[{"text":"宇都宮 花子"}],"n":1.50})");
  const std::string pretty = serialize_pretty(a.root());
  EXPECT_NE(pretty.find("\n  \"name\""), std::string::npos);
  Document b = parsed(pretty);
  EXPECT_TRUE(equal_ignoring_member_order(a.root(), b.root()));
}

}  // namespace
}  // namespace socialrx::fhir::json

namespace socialrx::fhir::json {
namespace {

TEST(Jsonc, CommentsTrailingCommasAndKeyLines) {
  const std::string text =
      "{\n  // the listener\n  \"http\": {\n    \"listen\": \"127.0.0.1:8080\", /* inline */\n  },\n"
      "  \"name\": \"a\\nb\",\n  \"after\": 1,\n}\n";
  ParseResult result = parse_jsonc(text);
  ASSERT_TRUE(result.document) << to_operation_outcome_json(result.issues);
  const Document& document = *result.document;
  const Member& http = document.root().members()[0];
  EXPECT_EQ(http.key, "http");
  EXPECT_EQ(document.line_of(http), 3u);
  EXPECT_EQ(document.line_of(http.value.members()[0]), 4u);
  // An escaped newline inside a string does not shift the lines that follow.
  EXPECT_EQ(document.line_of(document.root().members()[2]), 7u);
}

TEST(Jsonc, SyntaxErrorsNameLineAndColumn) {
  ParseResult result = parse_jsonc("{\n  \"a\": 1\n  \"b\": 2\n}");
  ASSERT_FALSE(result.document);
  EXPECT_NE(result.issues.items()[0].diagnostics.find("line 3, column 3"), std::string::npos)
      << result.issues.items()[0].diagnostics;
  EXPECT_FALSE(parse("{\"a\":1,}").document);  // plain JSON stays strict
  EXPECT_FALSE(parse("{\"a\":1 /* no */}").document);
}

}  // namespace
}  // namespace socialrx::fhir::json

namespace socialrx::fhir::json {
namespace {

TEST(Json, ParsingATakenOverBufferSurvivesMovesOfTheDocument) {
  std::string small = R"({"a":"b"})";  // short enough for the small-string buffer
  ParseResult result = parse_owned(std::move(small));
  ASSERT_TRUE(result.document);
  Document moved = std::move(*result.document);
  EXPECT_EQ(moved.root().string_at("a"), "b");
  std::string with_bom = "\xEF\xBB\xBF{\"resourceType\":\"Patient\",\"id\":\"x\"}";
  ParseResult bom = parse_owned(std::move(with_bom));
  ASSERT_TRUE(bom.document);
  EXPECT_EQ(bom.document->root().string_at("id"), "x");
}

}  // namespace
}  // namespace socialrx::fhir::json
