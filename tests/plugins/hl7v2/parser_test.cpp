// The HL7 v2 parser on UTF-8 and ASCII input: delimiters, structure, escapes, limits.
// (Japanese charsets: charset_test.cpp; ACKs: ack_test.cpp; corrupted input: mutation_test.cpp.)

#include "plugins/hl7v2/parser.hpp"

#include <gtest/gtest.h>

#include <string>

namespace socialrx::plugins::hl7v2 {
namespace {

bool has_error(const ParseResult& result) {
  for (const PluginIssue& issue : result.issues) {
    if (issue.severity == PluginIssue::Severity::error) return true;
  }
  return false;
}

const PluginIssue* find_issue(const ParseResult& result, std::string_view location) {
  for (const PluginIssue& issue : result.issues) {
    if (issue.location == location) return &issue;
  }
  return nullptr;
}

Message parse_ok(std::string_view bytes) {
  ParseResult result = parse(bytes);
  EXPECT_TRUE(result.message.has_value());
  for (const PluginIssue& issue : result.issues) {
    ADD_FAILURE() << "unexpected issue at " << issue.location << ": " << issue.diagnostics;
  }
  if (!result.message) throw std::runtime_error("no message");
  return *result.message;
}

const std::string kAdt =
    "MSH|^~\\&|HIS|1234567890|SOCIALRX|HUB|20240401120000||ADT^A08^ADT_A01|MSG00001|P|2.5||||||"
    "UNICODE UTF-8||ISO 2022-1994\r"
    "EVN||20240401120000\r"
    "PID|0001||0000123456^^^^PI||宇都宮^花子^^^^^L^I~ウツノミヤ^ハナコ^^^^^L^P||19620315|F|||"
    "^^^^320-0806^JPN^H^栃木県宇都宮市中央１－２－３\r"
    "ZPI|a&b&c^d~e|\"\"|\r";

TEST(Hl7v2Parser, SegmentsFieldsRepetitionsComponents) {
  const Message m = parse_ok(kAdt);
  ASSERT_EQ(m.segment_count(), 4u);
  EXPECT_EQ(m.segment_id(0), "MSH");
  EXPECT_EQ(m.segment_id(3), "ZPI");
  EXPECT_EQ(m.segment_id(4), "");
  EXPECT_EQ(m.find("PID"), 2u);
  EXPECT_EQ(m.find("PID", 3), std::nullopt);
  EXPECT_EQ(m.find("ZPI"), 3u);

  // MSH-1 is the separator, MSH-2 the encoding characters, MSH-9 the type.
  EXPECT_EQ(m.value(0, 1), "|");
  EXPECT_EQ(m.value(0, 2), "^~\\&");
  EXPECT_EQ(m.value(0, 3), "HIS");
  EXPECT_EQ(m.value(0, 9, 1, 1), "ADT");
  EXPECT_EQ(m.value(0, 9, 1, 2), "A08");
  EXPECT_EQ(m.value(0, 9, 1, 3), "ADT_A01");
  EXPECT_EQ(m.value(0, 10), "MSG00001");
  EXPECT_EQ(m.value(0, 12), "2.5");
  EXPECT_EQ(m.value(0, 18), "UNICODE UTF-8");
  EXPECT_EQ(m.value(0, 20), "ISO 2022-1994");
  EXPECT_EQ(m.field_count(0), 20);
  EXPECT_EQ(m.declared_charset(), "UNICODE UTF-8");
  EXPECT_EQ(m.decoded_charset(), "UTF-8");

  const std::size_t pid = 2;
  EXPECT_EQ(m.value(pid, 1), "0001");
  EXPECT_EQ(m.value(pid, 3, 1, 1), "0000123456");
  EXPECT_EQ(m.value(pid, 3, 1, 5), "PI");
  EXPECT_EQ(m.repetition_count(pid, 5), 2);
  EXPECT_EQ(m.value(pid, 5, 1, 1), "宇都宮");
  EXPECT_EQ(m.value(pid, 5, 1, 2), "花子");
  EXPECT_EQ(m.value(pid, 5, 1, 7), "L");
  EXPECT_EQ(m.value(pid, 5, 1, 8), "I");
  EXPECT_EQ(m.value(pid, 5, 2, 1), "ウツノミヤ");
  EXPECT_EQ(m.value(pid, 5, 2, 2), "ハナコ");
  EXPECT_EQ(m.value(pid, 5, 2, 8), "P");
  EXPECT_EQ(m.component_count(pid, 5, 2), 8);
  EXPECT_EQ(m.value(pid, 7), "19620315");
  EXPECT_EQ(m.value(pid, 11, 1, 5), "320-0806");
  EXPECT_EQ(m.value(pid, 11, 1, 8), "栃木県宇都宮市中央１－２－３");

  // Absent and empty look the same: "".
  EXPECT_EQ(m.value(pid, 2), "");
  EXPECT_EQ(m.repetition_count(pid, 2), 0);
  EXPECT_EQ(m.component_count(pid, 2), 0);
  EXPECT_EQ(m.value(pid, 99), "");
  EXPECT_EQ(m.value(pid, 5, 3, 1), "");
  EXPECT_EQ(m.value(pid, 5, 1, 20), "");
  EXPECT_EQ(m.value(pid, 5, 1, 1, 2), "");
  EXPECT_EQ(m.value(99, 1), "");
  EXPECT_EQ(m.value(pid, 0), "");
  EXPECT_EQ(m.value(pid, 5, 0, 1), "");
  EXPECT_EQ(m.repetition_count(99, 1), 0);
  EXPECT_EQ(m.field_count(99), 0);

  // Z-segment: subcomponents, repetitions, explicit null, trailing empty field kept.
  const std::size_t zpi = 3;
  EXPECT_EQ(m.field_count(zpi), 3);
  EXPECT_EQ(m.value(zpi, 1, 1, 1, 1), "a");
  EXPECT_EQ(m.value(zpi, 1, 1, 1, 2), "b");
  EXPECT_EQ(m.value(zpi, 1, 1, 1, 3), "c");
  EXPECT_EQ(m.value(zpi, 1, 1, 2), "d");
  EXPECT_EQ(m.value(zpi, 1, 2, 1), "e");
  EXPECT_EQ(m.repetition_count(zpi, 1), 2);
  EXPECT_EQ(m.component_count(zpi, 1, 1), 2);
  EXPECT_EQ(m.value(zpi, 2), "");
  EXPECT_TRUE(m.is_explicit_null(zpi, 2));
  EXPECT_FALSE(m.is_explicit_null(zpi, 3));
  EXPECT_FALSE(m.is_explicit_null(zpi, 1));
  EXPECT_EQ(m.repetition_count(zpi, 2), 1);
  EXPECT_EQ(m.repetition_count(zpi, 3), 0);
}

TEST(Hl7v2Parser, LineEndingsCrLfAndLf) {
  std::string crlf, lf;
  for (const char c : kAdt) {
    if (c == '\r') {
      crlf += "\r\n";
      lf += "\n";
    } else {
      crlf += c;
      lf += c;
    }
  }
  for (const std::string& text : {crlf, lf, "\r\n" + kAdt + "\r\r\n\n"}) {
    const Message m = parse_ok(text);
    EXPECT_EQ(m.segment_count(), 4u);
    EXPECT_EQ(m.value(2, 5, 2, 1), "ウツノミヤ");
    EXPECT_EQ(m.value(3, 1, 2, 1), "e");
  }
  // No terminator after the last segment.
  const Message m = parse_ok("MSH|^~\\&|A|B\rPID|1|x");
  EXPECT_EQ(m.value(1, 2), "x");
}

TEST(Hl7v2Parser, SegmentWithoutFieldsAndTrailingSeparators) {
  const Message m = parse_ok("MSH|^~\\&|A|B\rZZZ\rPID|||\rNTE|a^^~\r");
  EXPECT_EQ(m.segment_id(1), "ZZZ");
  EXPECT_EQ(m.field_count(1), 0);
  EXPECT_EQ(m.field_count(2), 3);
  EXPECT_EQ(m.repetition_count(2, 3), 0);
  EXPECT_EQ(m.component_count(3, 1, 1), 3);
  EXPECT_EQ(m.repetition_count(3, 1), 2);
  EXPECT_EQ(m.component_count(3, 1, 2), 0);
  EXPECT_EQ(m.value(3, 1, 1, 1), "a");
}

TEST(Hl7v2Parser, Utf8ByteOrderMarkBeforeMsh) {
  const Message m = parse_ok("\xEF\xBB\xBF" + kAdt);
  EXPECT_EQ(m.segment_id(0), "MSH");
  EXPECT_EQ(m.value(2, 5, 1, 1), "宇都宮");
}

TEST(Hl7v2Parser, NonDefaultDelimiters) {
  // Field #, component $, repetition *, escape !, subcomponent % (all five different).
  const Message m = parse_ok(
      "MSH#$*!%#HIS#FAC#####ADT$A08#ID1#P#2.5\r"
      "PID#1##123$$$$PI##A$B*C$D##x%y#!F!!S!!R!!T!!E!|^~\\&\r");
  EXPECT_EQ(m.delimiters().field, '#');
  EXPECT_EQ(m.delimiters().component, '$');
  EXPECT_EQ(m.delimiters().repetition, '*');
  EXPECT_EQ(m.delimiters().escape, '!');
  EXPECT_EQ(m.delimiters().subcomponent, '%');
  EXPECT_EQ(m.value(0, 1), "#");
  EXPECT_EQ(m.value(0, 2), "$*!%");
  EXPECT_EQ(m.value(0, 9, 1, 2), "A08");
  EXPECT_EQ(m.value(0, 10), "ID1");
  EXPECT_EQ(m.value(1, 3, 1, 5), "PI");
  EXPECT_EQ(m.value(1, 5, 1, 2), "B");
  EXPECT_EQ(m.value(1, 5, 2, 1), "C");
  EXPECT_EQ(m.value(1, 7, 1, 1, 2), "y");
  // Escapes give this message's delimiters back; the default ones are plain text here.
  EXPECT_EQ(m.value(1, 8), "#$*%!|^~\\&");
}

TEST(Hl7v2Parser, TruncationCharacterInMsh2IsAccepted) {
  const Message m = parse_ok("MSH|^~\\&#|A|B|||||X^Y|1|P|2.7\rPID|1|a#b\r");
  EXPECT_EQ(m.value(0, 2), "^~\\&#");
  EXPECT_EQ(m.value(1, 2), "a#b");
}

TEST(Hl7v2Parser, BadDelimitersAreRejected) {
  for (const std::string& text : {
           std::string("MSH|^~\\|B\r"),          // three encoding characters
           std::string("MSH|^~\\&^|A\r"),        // repeated character
           std::string("MSH|^~\\&&|A\r"),
           std::string("MSHA^~\\&|A\r"),         // letter as field separator
           std::string("MSH|^~\\a|A\r"),
           std::string("MSH |^~\\&|A\r"),
           std::string("PID|^~\\&|A\r"),         // not MSH
           std::string(""),
           std::string("MSH"),
           std::string("\r\n\r"),
       }) {
    const ParseResult result = parse(text);
    EXPECT_FALSE(result.message.has_value()) << text;
    EXPECT_TRUE(has_error(result)) << text;
  }
}

TEST(Hl7v2Parser, BadSegmentIdIsRejectedWithoutQuotingIt) {
  const ParseResult result = parse("MSH|^~\\&|A|B\rPID|1\rsecret name|x\r");
  EXPECT_FALSE(result.message.has_value());
  const PluginIssue* issue = find_issue(result, "segment 3");
  ASSERT_NE(issue, nullptr);
  EXPECT_EQ(issue->code, "structure");
  EXPECT_EQ(issue->diagnostics.find("secret"), std::string::npos);
}

TEST(Hl7v2Parser, Escapes) {
  const ParseResult result = parse(
      "MSH|^~\\&|A|B|||||ORU^R01|1|P|2.5||||||UNICODE UTF-8\r"
      "NTE|1|\\F\\\\S\\\\T\\\\R\\\\E\\|a\\.br\\b\\.sp\\c|\\H\\bold\\N\\|x\\.in+4\\\\.fi\\y|"
      "\\XE5AE87\\\\X0D0A\\|\\Zabc\\|\\C2842\\text\\M2442\\|\\Q\\|tail\\F|\\\\|\\X4\\|\\XZZ\\|"
      "\\XFF\\\r");
  ASSERT_TRUE(result.message.has_value());
  const Message& m = *result.message;
  const std::size_t nte = 1;
  EXPECT_EQ(m.value(nte, 2), "|^&~\\");
  EXPECT_EQ(m.value(nte, 3), "a\nb\nc");
  EXPECT_EQ(m.value(nte, 4), "bold");
  EXPECT_EQ(m.value(nte, 5), "xy");
  EXPECT_EQ(m.value(nte, 6), "宇\r\n");
  EXPECT_EQ(m.value(nte, 7), "\\Zabc\\");        // locally defined: kept
  EXPECT_EQ(m.value(nte, 8), "text");            // charset switches dropped
  EXPECT_EQ(m.value(nte, 9), "\\Q\\");           // unknown: kept
  EXPECT_EQ(m.value(nte, 10), "tail\\F");        // unterminated: kept
  EXPECT_EQ(m.value(nte, 11), "\\\\");           // empty escape: kept
  EXPECT_EQ(m.value(nte, 12), "\\X4\\");         // odd hex: kept
  EXPECT_EQ(m.value(nte, 13), "\\XZZ\\");        // not hex: kept
  EXPECT_EQ(m.value(nte, 14), "\\XFF\\");        // not UTF-8: kept
}

TEST(Hl7v2Parser, EscapeWarningsNameTheirPosition) {
  const ParseResult result =
      parse("MSH|^~\\&|A|B\rNTE|1|x~a^b&\\Zx\\|\\C2842\\|\\X4\\|open\\E\r");
  ASSERT_TRUE(result.message.has_value());
  EXPECT_NE(find_issue(result, "NTE-2[2].2.2"), nullptr);
  EXPECT_NE(find_issue(result, "NTE-3.1.1"), nullptr);
  EXPECT_NE(find_issue(result, "NTE-4.1.1"), nullptr);
  EXPECT_NE(find_issue(result, "NTE-5.1.1"), nullptr);
  for (const PluginIssue& issue : result.issues) {
    EXPECT_EQ(issue.severity, PluginIssue::Severity::warning);
  }
}

TEST(Hl7v2Parser, Limits) {
  std::string big = "MSH|^~\\&|A|B\r";
  ParseLimits limits;
  limits.max_bytes = 100;
  big.append(200, 'x');
  ParseResult result = parse(big, limits);
  EXPECT_FALSE(result.message.has_value());
  ASSERT_FALSE(result.issues.empty());
  EXPECT_EQ(result.issues[0].code, "too-long");

  limits = ParseLimits{};
  limits.max_segments = 3;
  result = parse("MSH|^~\\&|A|B\rNTE|1\rNTE|2\r", limits);
  EXPECT_TRUE(result.message.has_value());
  result = parse("MSH|^~\\&|A|B\rNTE|1\rNTE|2\rNTE|3\r", limits);
  EXPECT_FALSE(result.message.has_value());
  EXPECT_EQ(result.issues.back().code, "too-long");

  limits = ParseLimits{};
  limits.max_field_bytes = 10;
  result = parse("MSH|^~\\&|A|B\rNTE|1|0123456789\r", limits);
  EXPECT_TRUE(result.message.has_value());
  result = parse("MSH|^~\\&|A|B\rNTE|1|0123456789A\r", limits);
  EXPECT_FALSE(result.message.has_value());
  ASSERT_NE(find_issue(result, "NTE-2"), nullptr);
  EXPECT_EQ(find_issue(result, "NTE-2")->code, "too-long");
}

TEST(Hl7v2Parser, ManyIssuesAreCapped) {
  std::string text = "MSH|^~\\&|A|B\rNTE|1|";
  for (int i = 0; i < 1000; ++i) text += "\\Q\\~";
  const ParseResult result = parse(text);
  ASSERT_TRUE(result.message.has_value());
  EXPECT_LE(result.issues.size(), 101u);
  EXPECT_EQ(result.message->repetition_count(1, 2), 1001);
}

TEST(Hl7v2Parser, PositionToString) {
  EXPECT_EQ(to_string(Position{"PID", 5, 2, 1, 0}), "PID-5[2].1");
  EXPECT_EQ(to_string(Position{"PID", 5, 1, 0, 0}), "PID-5");
  EXPECT_EQ(to_string(Position{"PID", 5, 1, 1, 2}), "PID-5.1.2");
}

}  // namespace
}  // namespace socialrx::plugins::hl7v2
