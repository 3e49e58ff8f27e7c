// ACKs and read_header: every ACK built here is parsed back with the parser, in its charset.

#include "plugins/hl7v2/ack.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "plugins/hl7v2/header.hpp"
#include "plugins/hl7v2/parser.hpp"
#include "tests/plugins/hl7v2/icu_bytes.hpp"

namespace socialrx::plugins::hl7v2 {
namespace {

using testing::cp932;
using testing::iso_2022_jp;

const std::string kOriginal =
    "MSH|^~\\&|HIS^1.2.392.200119^ISO|1234567890|SOCIALRX|HUB|20240401120000||ADT^A08^ADT_A01|"
    "MSG00001|P|2.5||||||UNICODE UTF-8\r"
    "PID|0001||0000123456^^^^PI||宇都宮^花子^^^^^L^I\r";

AckOptions fixed() {
  AckOptions options;
  options.timestamp = "20240401120001+0900";
  options.control_id = "ACK0001";
  return options;
}

Message parse_ack(std::string_view bytes) {
  const ParseResult result = parse(bytes);
  for (const PluginIssue& issue : result.issues) {
    ADD_FAILURE() << "ACK issue at " << issue.location << ": " << issue.diagnostics;
  }
  if (!result.message) throw std::runtime_error("the ACK does not parse");
  return *result.message;
}

PluginIssue issue(PluginIssue::Severity severity, std::string code, std::string location,
                  std::string diagnostics) {
  PluginIssue out;
  out.severity = severity;
  out.code = std::move(code);
  out.location = std::move(location);
  out.diagnostics = std::move(diagnostics);
  return out;
}

TEST(Hl7v2Ack, AcceptedSwapsSenderAndReceiver) {
  const std::string bytes = build_ack(kOriginal, Disposition::accepted, {}, fixed());
  EXPECT_EQ(bytes,
            "MSH|^~\\&|SOCIALRX|HUB|HIS^1.2.392.200119^ISO|1234567890|20240401120001+0900||"
            "ACK^A08^ACK|ACK0001|P|2.5||||||UNICODE UTF-8\r"
            "MSA|AA|MSG00001\r");
  const Message ack = parse_ack(bytes);
  EXPECT_EQ(ack.segment_count(), 2u);
  EXPECT_EQ(ack.value(0, 3), "SOCIALRX");
  EXPECT_EQ(ack.value(0, 5, 1, 2), "1.2.392.200119");
  EXPECT_EQ(ack.value(1, 1), "AA");
  EXPECT_EQ(ack.value(1, 2), "MSG00001");
}

TEST(Hl7v2Ack, DataErrorHasOneErrPerIssue) {
  const std::vector<PluginIssue> issues = {
      issue(PluginIssue::Severity::error, "required", "PID-5[2].1", "Family name | missing ^ here"),
      issue(PluginIssue::Severity::error, "code-invalid", "PID-8", "Unknown gender code."),
      issue(PluginIssue::Severity::warning, "value", "PID-7.1.2", "Date\nchecked."),
      issue(PluginIssue::Severity::information, "invalid", "segment 3", "Odd."),
  };
  const Message ack = parse_ack(build_ack(kOriginal, Disposition::data_error, issues, fixed()));
  ASSERT_EQ(ack.segment_count(), 6u);
  EXPECT_EQ(ack.value(1, 1), "AE");
  EXPECT_EQ(ack.value(1, 2), "MSG00001");
  // ERR-2 location (ERL), ERR-3 table 0357 code, ERR-4 severity, ERR-8 diagnostics.
  EXPECT_EQ(ack.segment_id(2), "ERR");
  EXPECT_EQ(ack.value(2, 2, 1, 1), "PID");
  EXPECT_EQ(ack.value(2, 2, 1, 2), "1");
  EXPECT_EQ(ack.value(2, 2, 1, 3), "5");
  EXPECT_EQ(ack.value(2, 2, 1, 4), "2");
  EXPECT_EQ(ack.value(2, 2, 1, 5), "1");
  EXPECT_EQ(ack.component_count(2, 2), 5);
  EXPECT_EQ(ack.value(2, 3, 1, 1), "101");
  EXPECT_EQ(ack.value(2, 3, 1, 2), "Required field missing");
  EXPECT_EQ(ack.value(2, 3, 1, 3), "HL70357");
  EXPECT_EQ(ack.value(2, 4), "E");
  EXPECT_EQ(ack.value(2, 8), "Family name | missing ^ here");  // escaped and unescaped back

  EXPECT_EQ(ack.component_count(3, 2), 4);  // PID^1^8^1
  EXPECT_EQ(ack.value(3, 2, 1, 4), "1");
  EXPECT_EQ(ack.value(3, 3, 1, 1), "103");

  EXPECT_EQ(ack.value(4, 2, 1, 6), "2");
  EXPECT_EQ(ack.value(4, 3, 1, 1), "102");
  EXPECT_EQ(ack.value(4, 4), "W");
  EXPECT_EQ(ack.value(4, 8), "Date\nchecked.");

  EXPECT_EQ(ack.value(5, 2), "");  // no HL7 location
  EXPECT_EQ(ack.value(5, 4), "I");
}

TEST(Hl7v2Ack, ErrorCodes) {
  auto code = [](std::string c, std::string location) {
    return std::string(hl7_error_code(issue(PluginIssue::Severity::error, c, location, "")));
  };
  EXPECT_EQ(code("structure", ""), "100");
  EXPECT_EQ(code("required", "PID-3"), "101");
  EXPECT_EQ(code("value", "PID-7"), "102");
  EXPECT_EQ(code("invalid", "MSH-18"), "102");
  EXPECT_EQ(code("too-long", "NTE-3"), "102");
  EXPECT_EQ(code("code-invalid", "PID-8"), "103");
  EXPECT_EQ(code("not-supported", "MSH-9"), "200");
  EXPECT_EQ(code("not-supported", "MSH-9.1"), "200");
  EXPECT_EQ(code("not-supported", "MSH-9.2"), "201");
  EXPECT_EQ(code("not-supported", "MSH-12"), "203");
  EXPECT_EQ(code("not-supported", "MSH-18"), "207");
  EXPECT_EQ(code("exception", ""), "207");
}

TEST(Hl7v2Ack, RejectedUnreadableBytesGetADefaultHeader) {
  for (const std::string& bytes : {std::string("hello"), std::string(), std::string("MSH|"),
                                   std::string("\x00\xFF\x1b$B", 5)}) {
    const std::string ack_bytes = build_ack(bytes, Disposition::accepted, {}, fixed());
    const Message ack = parse_ack(ack_bytes);
    EXPECT_EQ(ack.value(0, 9, 1, 1), "ACK");
    EXPECT_EQ(ack.value(0, 12), "2.5");
    EXPECT_EQ(ack.value(1, 1), "AR");  // never AA for what could not be read
    EXPECT_EQ(ack.value(1, 2), "");
    ASSERT_EQ(ack.segment_count(), 3u);
    EXPECT_EQ(ack.value(2, 3, 1, 1), "100");
  }
}

TEST(Hl7v2Ack, RejectedUnsupportedCharsetStillAnswersTheControlId) {
  const std::string original =
      "MSH|^~\\&|HIS|FAC|SOCIALRX|HUB|20240401||ADT^A08|X-77|P|2.5||||||GB 18030-2000\rPID|1\r";
  const MessageHeader header = read_header(original);
  EXPECT_FALSE(header.readable);
  EXPECT_EQ(header.message_id, "X-77");
  const Message ack = parse_ack(build_ack(original, Disposition::rejected, {}, fixed()));
  EXPECT_EQ(ack.value(1, 1), "AR");
  EXPECT_EQ(ack.value(1, 2), "X-77");
  EXPECT_EQ(ack.value(0, 18), "");
  EXPECT_EQ(ack.value(2, 3, 1, 1), "207");
}

TEST(Hl7v2Ack, Iso2022JpAckInTheOriginalsCharset) {
  const std::string original = iso_2022_jp(
      "MSH|^~\\&|HIS|宇都宮京五万病院|SOCIALRX|HUB|20240401||ADT^A08^ADT_A01|MSG9|P|2.5||||||"
      "~ISO IR87||ISO 2022-1994\rPID|1||123^^^^PI||宇都宮^花子\r");
  const std::vector<PluginIssue> issues = {
      issue(PluginIssue::Severity::error, "required", "PID-7", "生年月日がありません。")};
  const std::string bytes = build_ack(original, Disposition::data_error, issues, fixed());
  EXPECT_NE(bytes.find("\x1b$B"), std::string::npos);
  EXPECT_EQ(bytes.find('\n'), std::string::npos);
  // JIS text returns to ASCII before each segment's CR.
  std::size_t cr = 0;
  while ((cr = bytes.find('\r', cr + 1)) != std::string::npos) {
    const std::size_t last_escape = bytes.rfind('\x1b', cr);
    if (last_escape != std::string::npos) {
      EXPECT_EQ(bytes.substr(last_escape, 3), "\x1b(B");
    }
  }
  const ParseResult result = parse(bytes);
  ASSERT_TRUE(result.message.has_value());
  EXPECT_EQ(result.charset.kind, Charset::Kind::iso_2022_jp);
  const Message& ack = *result.message;
  EXPECT_EQ(ack.value(0, 6), "宇都宮京五万病院");
  EXPECT_EQ(ack.declared_charset(), "~ISO IR87");  // MSH-18 copied as sent
  EXPECT_EQ(ack.value(0, 18, 1), "");                // (a repeating field: ASCII, then IR87)
  EXPECT_EQ(ack.value(0, 18, 2), "ISO IR87");
  EXPECT_EQ(ack.value(0, 9, 1, 2), "A08");
  EXPECT_EQ(ack.value(1, 1), "AE");
  EXPECT_EQ(ack.value(1, 2), "MSG9");
  EXPECT_EQ(ack.value(2, 8), "生年月日がありません。");
  EXPECT_EQ(ack.value(2, 2, 1, 3), "7");
}

TEST(Hl7v2Ack, Cp932AckInTheOriginalsCharset) {
  const std::string original = cp932(
      "MSH|^~\\&|HIS|表ソ能クリニック|SOCIALRX|HUB|20240401||ADT^A04|M1|P|2.5||||||SHIFT_JIS\r"
      "PID|1\r");
  const std::string bytes = build_ack(original, Disposition::accepted, {}, fixed());
  EXPECT_NE(bytes.find(cp932("表ソ能クリニック")), std::string::npos);
  const ParseResult result = parse(bytes);
  ASSERT_TRUE(result.message.has_value());
  EXPECT_EQ(result.message->value(0, 6), "表ソ能クリニック");
  EXPECT_EQ(result.message->value(1, 1), "AA");
}

TEST(Hl7v2Ack, UndecodableBodyStillGetsItsControlIdBack) {
  const std::string original =
      "MSH|^~\\&|HIS|FAC|SOCIALRX|HUB|20240401||ADT^A08|M2|P|2.5||||||UNICODE UTF-8\r"
      "PID|1||" + cp932("表") + "\r";
  const ParseResult parsed = parse(original);
  ASSERT_FALSE(parsed.message.has_value());
  const Message ack = parse_ack(build_ack(original, Disposition::rejected, parsed.issues, fixed()));
  EXPECT_EQ(ack.value(1, 1), "AR");
  EXPECT_EQ(ack.value(1, 2), "M2");
  EXPECT_EQ(ack.value(2, 2, 1, 1), "MSH");
  EXPECT_EQ(ack.value(2, 2, 1, 3), "18");
}

TEST(Hl7v2Ack, NonDefaultDelimitersAreKept) {
  const std::string original = "MSH#$*!%#HIS#FAC#RCV#HUB#20240401##ADT$A08#M3#T#2.5.1\rPID#1\r";
  const std::vector<PluginIssue> issues = {
      issue(PluginIssue::Severity::error, "value", "PID-3", "a#b$c*d!e%f")};
  const std::string bytes = build_ack(original, Disposition::data_error, issues, fixed());
  EXPECT_EQ(bytes.substr(0, 8), "MSH#$*!%");
  const Message ack = parse_ack(bytes);
  EXPECT_EQ(ack.value(0, 11), "T");
  EXPECT_EQ(ack.value(0, 12), "2.5.1");
  EXPECT_EQ(ack.value(2, 8), "a#b$c*d!e%f");
}

TEST(Hl7v2Ack, GeneratedControlIdsAreUniqueAndShort) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    const Message ack = parse_ack(build_ack(kOriginal, Disposition::accepted, {}));
    const std::string id(ack.value(0, 10));
    EXPECT_LE(id.size(), 20u);
    ids.insert(id);
    EXPECT_EQ(ack.value(0, 7).size(), 19u);  // YYYYMMDDHHMMSS+ZZZZ
  }
  EXPECT_EQ(ids.size(), 1000u);
}

TEST(Hl7v2Ack, ErrSegmentsAreCapped) {
  std::vector<PluginIssue> issues(500, issue(PluginIssue::Severity::error, "value", "PID-3", "x"));
  const Message ack = parse_ack(build_ack(kOriginal, Disposition::data_error, issues, fixed()));
  EXPECT_EQ(ack.segment_count(), 52u);
}

TEST(Hl7v2Header, ReadsTheMshFields) {
  MessageHeader header = read_header(kOriginal);
  EXPECT_TRUE(header.readable);
  EXPECT_EQ(header.charset, "UTF-8");
  EXPECT_EQ(header.sender, "HIS^1234567890");
  EXPECT_EQ(header.message_id, "MSG00001");
  EXPECT_EQ(header.message_type, "ADT^A08");

  header = read_header(iso_2022_jp(
      "\r\nMSH|^~\\&|HIS|京五万|R|H|20240401||PPR^ZD1^PPR_PC1|ID\\F\\7|P|2.5||||||~ISO IR87\r"));
  EXPECT_TRUE(header.readable);
  EXPECT_EQ(header.charset, "ISO-2022-JP");
  EXPECT_EQ(header.sender, "HIS^京五万");
  EXPECT_EQ(header.message_id, "ID|7");
  EXPECT_EQ(header.message_type, "PPR^ZD1");

  header = read_header(cp932("MSH|^~\\&|HIS|表|R|H|20240401||ADT|M|P|2.5\rPID|1||表\r"));
  EXPECT_TRUE(header.readable);
  EXPECT_EQ(header.charset, "CP932");  // guessed from the whole message, with a warning
  EXPECT_FALSE(header.issues.empty());
  EXPECT_EQ(header.message_type, "ADT");

  header = read_header("garbage");
  EXPECT_FALSE(header.readable);
  EXPECT_FALSE(header.issues.empty());
  EXPECT_EQ(header.message_id, "");
}

}  // namespace
}  // namespace socialrx::plugins::hl7v2
