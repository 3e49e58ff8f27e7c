// The directory CSV reader and the encoding detection: RFC 4180 quoting, line endings, BOM,
// CP932 bytes, the field bound, and problems attached to the right row and field.

#include <gtest/gtest.h>

#include "gateway/directory/csv_reader.hpp"
#include "gateway/directory/text_encoding.hpp"
#include "tests/gateway/directory/directory_test_support.hpp"

namespace socialrx::gateway::directory {
namespace {

TEST(DirectoryCsvReader, SplitsFieldsAndRecordsOnCrlfLfAndCr) {
  const auto records = read_csv("a,b,c\r\n1,2,3\n4,5,6\r7,8,9");
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].fields, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(records[1].fields, (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(records[3].fields, (std::vector<std::string>{"7", "8", "9"}));
  EXPECT_EQ(records[3].row, 4u);
  EXPECT_EQ(records[3].line, 4u);
  for (const auto& record : records) EXPECT_TRUE(record.problems.empty());
}

TEST(DirectoryCsvReader, QuotedFieldsKeepCommasQuotesAndLineBreaks) {
  const auto records = read_csv("x,y\r\n\"a, b\",\"He said \"\"hi\"\"\"\r\n\"two\r\nlines\",\"\"\r\nlast,row\r\n");
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[1].fields[0], "a, b");
  EXPECT_EQ(records[1].fields[1], "He said \"hi\"");
  EXPECT_EQ(records[2].fields[0], "two\nlines");  // CRLF inside quotes is kept as LF
  EXPECT_EQ(records[2].fields[1], "");
  // The record after a two-line field starts on line 5 but is row 4.
  EXPECT_EQ(records[3].row, 4u);
  EXPECT_EQ(records[3].line, 5u);
  EXPECT_EQ(records[3].fields[1], "row");
}

TEST(DirectoryCsvReader, EmptyFieldsAndBlankLines) {
  const auto records = read_csv("a,,c\n\n,\n");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].fields, (std::vector<std::string>{"a", "", "c"}));
  EXPECT_TRUE(records[1].blank());
  EXPECT_EQ(records[2].fields, (std::vector<std::string>{"", ""}));
}

TEST(DirectoryCsvReader, OversizeFieldIsReportedOnItsFieldAndReadingGoesOn) {
  CsvLimits limits;
  limits.max_field_bytes = 8;
  const auto records = read_csv("a,b\nshort,0123456789abcdef\n\"quoted-and-much-too-long\",x\nok,ok\n", limits);
  ASSERT_EQ(records.size(), 4u);
  ASSERT_EQ(records[1].problems.size(), 1u);
  EXPECT_EQ(records[1].problems[0].field, 1u);
  EXPECT_NE(records[1].problems[0].text.find("longer than 8 bytes"), std::string::npos);
  EXPECT_EQ(records[1].fields[1].size(), 8u);  // bounded, not grown
  ASSERT_EQ(records[2].problems.size(), 1u);
  EXPECT_EQ(records[2].problems[0].field, 0u);
  EXPECT_EQ(records[2].fields[1], "x");
  EXPECT_TRUE(records[3].problems.empty());
}

TEST(DirectoryCsvReader, StrayAndUnterminatedQuotesAreProblems) {
  const auto records = read_csv("a,b\nab\"c,d\n\"x\"y,z\n\"open,never closed\n");
  ASSERT_EQ(records.size(), 4u);
  ASSERT_EQ(records[1].problems.size(), 1u);
  EXPECT_EQ(records[1].problems[0].field, 0u);
  ASSERT_EQ(records[2].problems.size(), 1u);
  EXPECT_NE(records[2].problems[0].text.find("after the closing quote"), std::string::npos);
  EXPECT_EQ(records[2].fields[1], "z");
  ASSERT_EQ(records[3].problems.size(), 1u);
  EXPECT_NE(records[3].problems[0].text.find("not closed"), std::string::npos);
}

TEST(DirectoryCsvReader, TooManyFieldsIsOneProblem) {
  CsvLimits limits;
  limits.max_fields = 3;
  const auto records = read_csv("1,2,3,4,5,6\n", limits);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].fields.size(), 3u);
  EXPECT_EQ(records[0].problems.size(), 1u);
}

TEST(DirectoryCsvReader, FieldQuotingForExportRoundTrips) {
  const std::vector<std::string> cells{"plain", "a,b", "say \"x\"", "two\nlines", " padded", "みどり市"};
  std::string line;
  for (const auto& cell : cells) line += (line.empty() ? "" : ",") + csv_field(cell);
  const auto records = read_csv(line + "\r\n");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].fields, cells);
}

TEST(DirectoryEncoding, Utf8WithAndWithoutBom) {
  const DecodedText plain = decode_directory_bytes("みどり市,1\r\n");
  ASSERT_TRUE(plain.ok);
  EXPECT_EQ(plain.encoding, "UTF-8");
  EXPECT_EQ(plain.utf8, "みどり市,1\r\n");
  const DecodedText bom = decode_directory_bytes("\xEF\xBB\xBFみどり市,1\r\n");
  ASSERT_TRUE(bom.ok);
  EXPECT_EQ(bom.encoding, "UTF-8 with BOM");
  EXPECT_EQ(bom.utf8, "みどり市,1\r\n");
}

TEST(DirectoryEncoding, Cp932BytesAreDecoded) {
  // "みどり市" in Shift_JIS, then CP932-only characters: ① (NEC row 13) and 髙 (IBM extension).
  const std::string bytes = "\x82\xDD\x82\xC7\x82\xE8\x8E\x73,\x87\x40,\xFB\xFC\r\n";
  EXPECT_FALSE(is_valid_utf8(bytes));
  const DecodedText decoded = decode_directory_bytes(bytes);
  ASSERT_TRUE(decoded.ok) << decoded.problem;
  EXPECT_EQ(decoded.encoding, "CP932");
  EXPECT_EQ(decoded.utf8, "みどり市,①,髙\r\n");
  // A trail byte that is a backslash in ASCII (表 = 0x95 0x5C) stays inside its character.
  EXPECT_EQ(decode_directory_bytes("\x95\x5C,\x83\x5C\x83\x74\x83\x67").utf8, "表,ソフト");
}

TEST(DirectoryEncoding, Cp932ConversionOfTheSameTextMatches) {
  const std::string text = "組織名,みどり市社会福祉協議会,（株）ー①\r\n";
  const std::string cp932 = testing::to_cp932(text);
  ASSERT_FALSE(cp932.empty());
  const DecodedText decoded = decode_directory_bytes(cp932);
  ASSERT_TRUE(decoded.ok) << decoded.problem;
  EXPECT_EQ(decoded.encoding, "CP932");
  EXPECT_EQ(decoded.utf8, text);
}

TEST(DirectoryEncoding, BytesThatAreNeitherAreRefusedWithTheOffset) {
  const DecodedText decoded = decode_directory_bytes(std::string("ok,\x82\xDD,\x85\x40") + "\r\n");
  EXPECT_FALSE(decoded.ok);
  EXPECT_NE(decoded.problem.find("byte offset 6"), std::string::npos) << decoded.problem;
  const DecodedText broken_bom = decode_directory_bytes("\xEF\xBB\xBF\xFF");
  EXPECT_FALSE(broken_bom.ok);
}

TEST(DirectoryEncoding, Utf8ValidatorRejectsOverlongsAndSurrogates) {
  EXPECT_TRUE(is_valid_utf8("abc \xE3\x81\xBF \xF0\x9F\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xE3\x81"));          // truncated
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
}

}  // namespace
}  // namespace socialrx::gateway::directory
