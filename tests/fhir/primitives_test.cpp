// The hand-written primitive checkers against the spec: explicit cases, and a differential test
// against each type's official regex (from the generated tables) over random strings.

#include "fhir/primitives.hpp"

#include <gtest/gtest.h>

#include <random>
#include <regex>

#include "fhir/schema.hpp"

namespace socialrx::fhir {
namespace {

bool valid(Primitive type, std::string_view text) { return check_primitive(type, text).empty(); }

TEST(Primitives, CalendarDates) {
  EXPECT_FALSE(valid(Primitive::date, "1944-02-30"));
  EXPECT_FALSE(valid(Primitive::date, "2023-02-29"));
  EXPECT_TRUE(valid(Primitive::date, "2024-02-29"));
  EXPECT_FALSE(valid(Primitive::date, "1900-02-29"));  // not a leap year
  EXPECT_TRUE(valid(Primitive::date, "2000-02-29"));   // a leap year
  EXPECT_FALSE(valid(Primitive::date, "2023-04-31"));
  EXPECT_FALSE(valid(Primitive::date, "2023-13-01"));
  EXPECT_FALSE(valid(Primitive::date, "0000-01-01"));
  EXPECT_TRUE(valid(Primitive::date, "1962"));
  EXPECT_TRUE(valid(Primitive::date, "1962-03"));
  EXPECT_FALSE(valid(Primitive::date, "1962-3-15"));
  EXPECT_FALSE(valid(Primitive::date, "1962-03-15T00:00:00Z"));
  EXPECT_FALSE(valid(Primitive::dateTime, "1944-02-30T10:00:00+09:00"));
}

TEST(Primitives, InstantNeedsFullPrecisionAndZone) {
  EXPECT_TRUE(valid(Primitive::instant, "2026-12-01T09:30:00+09:00"));
  EXPECT_TRUE(valid(Primitive::instant, "2026-12-01T00:30:00.123Z"));
  EXPECT_FALSE(valid(Primitive::instant, "2026-12-01T09:30:00"));
  EXPECT_FALSE(valid(Primitive::instant, "2026-12-01"));
  EXPECT_FALSE(valid(Primitive::instant, "2026-12-01T09:30+09:00"));
  EXPECT_FALSE(valid(Primitive::instant, "2026-12-01T09:30:00+15:00"));
  EXPECT_TRUE(valid(Primitive::dateTime, "2026-12-01T09:30:00+14:00"));
  EXPECT_FALSE(valid(Primitive::dateTime, "2026-12-01T09:30:00"));  // time needs a zone
  EXPECT_FALSE(valid(Primitive::dateTime, "2026-12-01T24:00:00Z"));
  EXPECT_TRUE(valid(Primitive::time, "23:59:60"));
  EXPECT_FALSE(valid(Primitive::time, "23:59"));
}

TEST(Primitives, Numbers) {
  EXPECT_TRUE(valid(Primitive::integer, "-2147483648"));
  EXPECT_FALSE(valid(Primitive::integer, "2147483648"));
  EXPECT_FALSE(valid(Primitive::integer, "1.0"));
  EXPECT_FALSE(valid(Primitive::integer, "01"));
  EXPECT_FALSE(valid(Primitive::integer, "1e3"));
  EXPECT_FALSE(valid(Primitive::positiveInt, "0"));
  EXPECT_TRUE(valid(Primitive::unsignedInt, "0"));
  EXPECT_FALSE(valid(Primitive::unsignedInt, "-1"));
  EXPECT_TRUE(valid(Primitive::decimal, "1.50"));
  EXPECT_TRUE(valid(Primitive::decimal, "-0.0e+10"));
  EXPECT_FALSE(valid(Primitive::decimal, "01.5"));
  EXPECT_FALSE(valid(Primitive::decimal, ".5"));
}

// uri and code are checked 8 bytes a step: a space anywhere in a long value, across a block
// boundary, or in the tail after the last whole block is found; other bytes below 0x21 are not
// spaces.
TEST(Primitives, WhitespaceFoundAtEveryPosition) {
  const std::string base = "https://socialrx.jp/fhir/CodeSystem/sdh-answer";
  for (char space : {' ', '\t', '\n', '\r'}) {
    for (std::size_t at = 0; at < base.size(); ++at) {
      std::string uri = base;
      uri[at] = space;
      EXPECT_FALSE(valid(Primitive::uri, uri)) << at;
      std::string code = base;
      code[at] = space;
      // One space inside a code is allowed, two in a row are not.
      EXPECT_EQ(valid(Primitive::code, code), at != 0 && at + 1 != base.size()) << at;
      if (at + 1 < base.size()) {
        code[at + 1] = space;
        EXPECT_FALSE(valid(Primitive::code, code)) << at;
      }
    }
  }
  EXPECT_TRUE(valid(Primitive::uri, base));
  EXPECT_TRUE(valid(Primitive::uri, "urn:x:\x01\x1f!" + base));
  EXPECT_TRUE(valid(Primitive::code, "a\x01\x1f!bcdefghijk\x7f\u3000z"));
}

TEST(Primitives, IdentifiersAndCodes) {
  EXPECT_TRUE(valid(Primitive::id, std::string(64, 'a')));
  EXPECT_FALSE(valid(Primitive::id, std::string(65, 'a')));
  EXPECT_FALSE(valid(Primitive::id, "a_b"));
  EXPECT_TRUE(valid(Primitive::oid, "urn:oid:1.2.392.100495.20.3.51.10910112341"));
  EXPECT_FALSE(valid(Primitive::oid, "urn:oid:1.02"));
  EXPECT_FALSE(valid(Primitive::oid, "urn:oid:3.1"));
  EXPECT_TRUE(valid(Primitive::uuid, "urn:uuid:c757873d-ec9a-4326-a141-556f43239520"));
  EXPECT_FALSE(valid(Primitive::uuid, "urn:uuid:C757873D-EC9A-4326-A141-556F43239520"));
  EXPECT_TRUE(valid(Primitive::code, "in-progress"));
  EXPECT_TRUE(valid(Primitive::code, "two words"));
  EXPECT_FALSE(valid(Primitive::code, "two  words"));
  EXPECT_FALSE(valid(Primitive::code, " leading"));
  // U+3000 is not XML-Schema whitespace: a full-width space is an ordinary character in a code.
  EXPECT_TRUE(valid(Primitive::code, "支援\u3000開始"));
  EXPECT_TRUE(valid(Primitive::uri, "urn:oid:1.2.3"));
  EXPECT_FALSE(valid(Primitive::uri, "http://example.org/a b"));
  EXPECT_FALSE(valid(Primitive::uri, ""));
  EXPECT_TRUE(valid(Primitive::base64Binary, "aGVsbG8="));
  EXPECT_FALSE(valid(Primitive::base64Binary, "aGVsbG8"));
  EXPECT_FALSE(valid(Primitive::base64Binary, "aG=sbG8="));
  EXPECT_TRUE(valid(Primitive::string, "宇都宮\u3000花子"));
  EXPECT_FALSE(valid(Primitive::string, ""));
  EXPECT_TRUE(valid(Primitive::xhtml, "<div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>"));
  EXPECT_FALSE(valid(Primitive::xhtml, "<p>x</p>"));
}

TEST(Primitives, MaxLengthCountsCharactersNotBytes) {
  const std::string ascii(1024 * 1024, 'a');
  EXPECT_FALSE(exceeds_max_length(Primitive::string, ascii));
  EXPECT_TRUE(exceeds_max_length(Primitive::string, ascii + "b"));
  std::string kanji;
  for (int i = 0; i < 400000; ++i) kanji += "花";  // 1.2 MB of bytes, 400,000 characters
  EXPECT_FALSE(exceeds_max_length(Primitive::string, kanji));
  EXPECT_FALSE(exceeds_max_length(Primitive::code, ascii + "b"));
}

// Where the hand-written checker is stricter than the regex on purpose (calendar, ranges, padding,
// ele-1), it must say so with one of these reasons; any other disagreement is a bug.
bool stricter_on_purpose(std::string_view reason) {
  for (std::string_view allowed :
       {"that day does not exist", "year 0000", "32-bit integer range", "base64",
        "must not be empty", "must be 1 or more"}) {
    if (reason.find(allowed) != std::string_view::npos) return true;
  }
  return false;
}

// Digits biased towards small ones so that months, days and hours are often in range.
char small_digit(std::mt19937& rng) {
  constexpr std::string_view kBiased = "000111222345";
  return std::uniform_int_distribution<int>(0, 4)(rng) == 0
             ? static_cast<char>('0' + std::uniform_int_distribution<int>(0, 9)(rng))
             : kBiased[std::uniform_int_distribution<std::size_t>(0, kBiased.size() - 1)(rng)];
}

// Fills a template: '#' a digit, '%' a hex digit (sometimes upper case); other characters stay.
std::string from_template(std::mt19937& rng, std::string text) {
  constexpr std::string_view kHex = "0123456789abcdefA";
  for (char& c : text) {
    if (c == '#') c = small_digit(rng);
    if (c == '%') c = kHex[std::uniform_int_distribution<std::size_t>(0, kHex.size() - 1)(rng)];
  }
  return text;
}

std::string random_text(std::mt19937& rng, std::string_view alphabet, std::size_t max_length) {
  std::uniform_int_distribution<std::size_t> length(0, max_length);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::string text(length(rng), ' ');
  for (char& c : text) c = alphabet[pick(rng)];
  return text;
}

// Random strings biased towards the shape of each type, so that both outcomes are common.
std::string candidate(Primitive type, std::mt19937& rng) {
  std::uniform_int_distribution<int> coin(0, 3);
  switch (type) {
    case Primitive::date:
    case Primitive::dateTime:
    case Primitive::instant: {
      const char* templates[] = {"####-##-##", "####-##", "####", "####-##-##T##:##:##Z",
                                 "####-##-##T##:##:##+##:##", "####-##-##T##:##:##.###-##:##"};
      std::string text = from_template(rng, templates[std::uniform_int_distribution<int>(0, 5)(rng)]);
      if (coin(rng) == 0) text[std::uniform_int_distribution<std::size_t>(0, text.size() - 1)(rng)] = 'x';
      return text;
    }
    case Primitive::time:
      return coin(rng) == 0 ? random_text(rng, "0123456789:.", 12)
                            : from_template(rng, coin(rng) == 0 ? "##:##:##.##" : "##:##:##");
    case Primitive::integer:
    case Primitive::unsignedInt:
    case Primitive::positiveInt:
    case Primitive::decimal:
      return random_text(rng, "0123456789-+.eE", 12);
    case Primitive::id:
      return random_text(rng, "abAB09-._/", coin(rng) == 0 ? 70 : 10);
    case Primitive::oid:
      return "urn:oid:" + random_text(rng, "0123.", 10);
    case Primitive::uuid:
      return coin(rng) == 0 ? "urn:uuid:" + random_text(rng, "0123456789abcdef-", 36)
                            : from_template(rng, "urn:uuid:%%%%%%%%-%%%%-%%%%-%%%%-%%%%%%%%%%%%");
    case Primitive::code:
      return random_text(rng, "ab- \t", 8);
    case Primitive::base64Binary:
      return random_text(rng, "aZ09+/= ", 12);
    case Primitive::boolean:
      return coin(rng) == 0 ? "true" : random_text(rng, "truefals", 5);
    default:
      return random_text(rng, "ab:/# \n\t", 8);
  }
}

TEST(Primitives, AgreeWithTheOfficialRegexes) {
  std::mt19937 rng(20261201);
  int compared = 0;
  for (const schema::TypeDef& type : schema::types()) {
    if (type.kind != schema::TypeKind::primitive || type.regex.empty()) continue;
    const auto primitive = primitive_from_name(type.name);
    ASSERT_TRUE(primitive.has_value()) << type.name;
    // ECMAScript and XML Schema agree on these patterns for the ASCII alphabets used here.
    const std::regex pattern{std::string(type.regex)};
    int accepted = 0;
    for (int i = 0; i < 4000; ++i) {
      const std::string text = candidate(*primitive, rng);
      const bool by_regex = std::regex_match(text, pattern);
      const std::string_view reason = check_primitive(*primitive, text);
      if (reason.empty()) {
        ++accepted;
        EXPECT_TRUE(by_regex) << type.name << ": accepted \"" << text << "\" but the regex rejects it";
      } else if (by_regex) {
        EXPECT_TRUE(stricter_on_purpose(reason))
            << type.name << ": rejected \"" << text << "\" (" << reason << ") but the regex accepts it";
      }
      ++compared;
    }
    EXPECT_GT(accepted, 40) << type.name << ": the generator rarely makes valid values";
  }
  EXPECT_GT(compared, 50000);
}

}  // namespace
}  // namespace socialrx::fhir
