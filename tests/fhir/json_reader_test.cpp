// fhir/json.cpp reads with a stream of its own that checks UTF-8 and skips whitespace and plain
// string runs 16 bytes at a time (fhir/json_checked_stream.hpp). These tests hold it to what
// RapidJSON's validating reader (kParseValidateEncodingFlag, byte by byte), the way parse read
// before, gives on the same text: the same accepted strings, and the same error at the same offset.

#include <gtest/gtest.h>
#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fhir/json.hpp"

namespace socialrx::fhir::json {
namespace {

// The reference: keys and strings in reading order, or the error.
struct Reference {
  bool ok = false;
  std::string diagnostics;  // what parse would say, as parse_text words it
  std::vector<std::string> strings;
};

struct Collector : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, Collector> {
  std::vector<std::string>* strings;
  bool lone_surrogate = false;
  bool Default() { return true; }
  bool RawNumber(const char*, rapidjson::SizeType, bool) { return true; }
  bool text(const char* chars, rapidjson::SizeType length) {
    const std::string_view value(chars, length);
    for (std::size_t at = value.find('\xED'); at != std::string_view::npos; at = value.find('\xED', at + 1)) {
      if (at + 1 < value.size() && static_cast<unsigned char>(value[at + 1]) >= 0xA0) {
        lone_surrogate = true;
        return false;
      }
    }
    strings->emplace_back(value);
    return true;
  }
  bool String(const char* chars, rapidjson::SizeType length, bool) { return text(chars, length); }
  bool Key(const char* chars, rapidjson::SizeType length, bool) { return text(chars, length); }
};

Reference reference(std::string text) {
  Reference result;
  Collector collector;
  collector.strings = &result.strings;
  rapidjson::Reader reader;
  rapidjson::InsituStringStream stream(text.data());
  constexpr unsigned kFlags = rapidjson::kParseInsituFlag | rapidjson::kParseIterativeFlag |
                              rapidjson::kParseValidateEncodingFlag |
                              rapidjson::kParseNumbersAsStringsFlag;
  const rapidjson::ParseResult ok = reader.Parse<kFlags>(stream, collector);
  result.ok = !ok.IsError();
  const std::string where = " at byte " + std::to_string(ok.Offset());
  if (ok.Code() == rapidjson::kParseErrorStringInvalidEncoding) {
    result.diagnostics = "invalid UTF-8 in a string" + where;
  } else if (collector.lone_surrogate) {
    result.diagnostics = "invalid JSON: a \\u escape is a lone low surrogate" + where;
  } else if (ok.IsError()) {
    result.diagnostics = std::string("invalid JSON: ") + rapidjson::GetParseError_En(ok.Code()) + where;
  }
  return result;
}

void collect(const Value& value, std::vector<std::string>& out) {
  if (value.is_string()) out.emplace_back(value.text());
  for (const Value& item : value.items()) collect(item, out);
  for (const Member& member : value.members()) {
    out.emplace_back(member.key);
    collect(member.value, out);
  }
}

// parse (a copy) and parse_owned (in place) against the reference.
void expect_as_reference(const std::string& text) {
  const Reference expected = reference(text);
  for (bool owned : {false, true}) {
    ParseResult result = owned ? parse_owned(std::string(text)) : parse(text);
    ASSERT_EQ(result.document.has_value(), expected.ok) << testing::PrintToString(text);
    if (expected.ok) {
      std::vector<std::string> strings;
      collect(result.document->root(), strings);
      EXPECT_EQ(strings, expected.strings) << testing::PrintToString(text);
    } else {
      ASSERT_EQ(result.issues.size(), 1u);
      EXPECT_EQ(result.issues.items()[0].diagnostics, expected.diagnostics) << testing::PrintToString(text);
    }
  }
}

// String contents: plain, long enough to take the 16-byte steps, Japanese, escapes (one that
// moves the rest of the string down), control characters and ill-formed UTF-8 of every kind.
const std::vector<std::string> kFragments = {
    "",
    "linkId",
    "https://socialrx.jp/fhir/Questionnaire/sdh-screening|1.0.0",
    "宇都宮 トメ",
    "基本情報・生活の状況について（ご本人）",
    "é ü ß",          // two-byte sequences
    "😀 𠮷",           // four-byte sequences
    "\xE0\xA0\x80",   // the smallest three-byte sequence, E0
    "\xED\x9F\xBF",   // U+D7FF, the last before the surrogates, ED
    "\xF4\x8F\xBF\xBF",  // U+10FFFF
    "\\n\\t\\\"\\\\\\/",
    "\\u5b87\\u90fd\\u5bae",
    "\\ud83d\\ude00",
    "\\udc00",        // a lone low surrogate escape
    "\\ud800",        // a lone high surrogate escape
    "\\x",            // not an escape
    "\x01",           // a control character
    "\x7f",
    "\xff",
    "\x80",
    "\xc0\xaf",       // overlong
    "\xc1\xbf",
    "\xe0\x80\xaf",   // overlong
    "\xed\xa0\x80",   // an encoded surrogate
    "\xf0\x80\x80\xaf",  // overlong
    "\xf4\x90\x80\x80",  // above U+10FFFF
    "\xf5\x80\x80\x80",
    "\xe5\xae",       // truncated
    "\xe5\xae\"",     // truncated by the closing quote
    "\x93\xfa\x96\x7b",  // CP932
};

std::string padding(std::uint32_t length) {
  std::string text;
  for (std::uint32_t i = 0; i < length; ++i) text += static_cast<char>('a' + i % 26);
  return text;
}

TEST(JsonReader, EachFragmentAsKeyAndValueAtEveryAlignment) {
  for (const std::string& fragment : kFragments) {
    for (std::uint32_t before = 0; before < 34; ++before) {
      const std::string body = padding(before) + fragment + padding(before % 7);
      expect_as_reference("{\"" + body + "\":\"" + body + "\",\"n\":[1.50,\"" + body + "\"]}");
      expect_as_reference("[\"" + body + "\", \"x\"]");
    }
  }
}

TEST(JsonReader, MixedFragmentsAndWhitespace) {
  std::uint32_t state = 12345;
  auto next = [&state](std::uint32_t bound) {
    state = state * 1664525u + 1013904223u;
    return (state >> 8) % bound;
  };
  const std::string kWhite[] = {"", " ", "\n", "\r\n", "\t", "\n                    ",
                                "  \n\t  \r\n                                      "};
  for (int round = 0; round < 3000; ++round) {
    auto string = [&] {
      std::string text = "\"";
      const std::uint32_t parts = next(4);
      for (std::uint32_t i = 0; i < parts; ++i) {
        text += padding(next(20));
        text += kFragments[next(static_cast<std::uint32_t>(kFragments.size()))];
      }
      return text + "\"";
    };
    auto white = [&] { return kWhite[next(static_cast<std::uint32_t>(std::size(kWhite)))]; };
    std::string text = white() + "{" + white() + string() + white() + ":" + white() + string() + white() +
                       "," + white() + "\"a\"" + white() + ":" + white() + "[" + white() + string() +
                       white() + "," + white() + "-0.5e3" + white() + "]" + white() + "}" + white();
    if (next(10) == 0) text.resize(next(static_cast<std::uint32_t>(text.size())));  // cut short
    expect_as_reference(text);
  }
}

TEST(JsonReader, IllFormedUtf8AtTheVeryEnd) {
  expect_as_reference("\"abc\xe5");
  expect_as_reference("\"abc\xe5\xae");
  expect_as_reference("\"abc\xf0\x9f\x98");
  expect_as_reference("[\"0123456789abcdef0123456789\xc3");
}

TEST(JsonReader, IllFormedUtf8InJsoncSaysLineAndColumn) {
  ParseResult result = parse_jsonc("{\n  // \xff in a comment is not looked at\n  \"a\": \"xy\xff\"\n}");
  ASSERT_FALSE(result.document);
  EXPECT_EQ(result.issues.items()[0].diagnostics, "invalid UTF-8 in a string at line 3, column 11");
}

}  // namespace
}  // namespace socialrx::fhir::json
