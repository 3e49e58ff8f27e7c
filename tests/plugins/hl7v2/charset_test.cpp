// Japanese charsets: MSH-18 values, ISO-2022-JP and CP932 messages whose multi-byte characters
// contain delimiter bytes, half-width katakana, NEC/IBM extension characters, undecodable bytes.

#include "plugins/hl7v2/charset.hpp"

#include <gtest/gtest.h>

#include <string>

#include "plugins/hl7v2/parser.hpp"
#include "tests/plugins/hl7v2/icu_bytes.hpp"

namespace socialrx::plugins::hl7v2 {
namespace {

using testing::cp932;
using testing::icu_bytes;
using testing::iso_2022_jp;

const PluginIssue* find_issue(const ParseResult& result, std::string_view location) {
  for (const PluginIssue& issue : result.issues) {
    if (issue.location == location) return &issue;
  }
  return nullptr;
}

bool has_error(const ParseResult& result) {
  for (const PluginIssue& issue : result.issues) {
    if (issue.severity == PluginIssue::Severity::error) return true;
  }
  return false;
}

// An SS-MIX2 ADT^A08 in UTF-8 with MSH-18 = `msh18`. The names and the address were chosen so
// that their JIS X 0208 bytes hold every default delimiter: 宮 = 0x35 0x5C (\), ウ = 0x25 0x26
// (&), 京 = 0x35 0x7E (~), 五 = 0x38 0x5E (^), 万 = 0x4B 0x7C (|) — checked below on the bytes.
std::string adt(std::string_view msh18, std::string_view facility = "1234567890") {
  std::string text = "MSH|^~\\&|HIS|";
  text += facility;
  text += "|SOCIALRX|HUB|20240401120000||ADT^A08^ADT_A01|MSG00001|P|2.5||||||";
  text += msh18;
  text += "||ISO 2022-1994\r"
          "EVN||20240401120000\r"
          "PID|0001||0000123456^^^^PI||宇都宮^花子^^^^^L^I~ウツノミヤ^ハナコ^^^^^L^P||19620315|F|||"
          "^^^^141-0022^JPN^H^東京都品川区東五反田万世１－２－３||03-1234-5678\r"
          "NK1|1|宇都宮^太郎^^^^^L^I|SPO\r";
  return text;
}

void expect_adt_values(const Message& m) {
  const std::size_t pid = m.find("PID").value_or(99);
  EXPECT_EQ(m.value(pid, 3, 1, 1), "0000123456");
  EXPECT_EQ(m.repetition_count(pid, 5), 2);
  EXPECT_EQ(m.value(pid, 5, 1, 1), "宇都宮");
  EXPECT_EQ(m.value(pid, 5, 1, 2), "花子");
  EXPECT_EQ(m.value(pid, 5, 1, 8), "I");
  EXPECT_EQ(m.value(pid, 5, 2, 1), "ウツノミヤ");
  EXPECT_EQ(m.value(pid, 5, 2, 2), "ハナコ");
  EXPECT_EQ(m.value(pid, 5, 2, 8), "P");
  EXPECT_EQ(m.value(pid, 7), "19620315");
  EXPECT_EQ(m.value(pid, 8), "F");
  EXPECT_EQ(m.value(pid, 11, 1, 5), "141-0022");
  EXPECT_EQ(m.value(pid, 11, 1, 8), "東京都品川区東五反田万世１－２－３");
  EXPECT_EQ(m.value(pid, 13), "03-1234-5678");
  const std::size_t nk1 = m.find("NK1").value_or(99);
  EXPECT_EQ(m.value(nk1, 2, 1, 2), "太郎");
  EXPECT_EQ(m.value(nk1, 3), "SPO");
}

// The bytes between ESC $ B and ESC ( B.
std::string jis_double_byte_runs(std::string_view bytes) {
  std::string runs;
  std::size_t position = 0;
  for (;;) {
    const std::size_t start = bytes.find("\x1b$B", position);
    if (start == std::string_view::npos) return runs;
    const std::size_t end = bytes.find("\x1b(B", start);
    runs += bytes.substr(start + 3, end - start - 3);
    position = end;
  }
}

TEST(Hl7v2Charset, Iso2022JpMessageWithDelimiterBytesInKanjiAndKana) {
  const std::string bytes = iso_2022_jp(adt("~ISO IR87"));
  const std::string runs = jis_double_byte_runs(bytes);
  for (const char delimiter : std::string("|^~\\&")) {
    EXPECT_NE(runs.find(delimiter), std::string::npos) << "no " << delimiter << " byte in JIS text";
  }
  const ParseResult result = parse(bytes);
  ASSERT_TRUE(result.message.has_value());
  EXPECT_TRUE(result.issues.empty());
  EXPECT_EQ(result.message->decoded_charset(), "ISO-2022-JP");
  EXPECT_EQ(result.message->declared_charset(), "~ISO IR87");
  EXPECT_EQ(result.message->value(0, 20), "ISO 2022-1994");
  expect_adt_values(*result.message);
}

TEST(Hl7v2Charset, Msh18SpellingsOfIsoIr87) {
  for (const char* msh18 : {"~ISO IR87", "~ISOIR87", "ISO IR87", "ISOIR87", "ISO IR6~ISO IR87",
                            "~iso ir87", "ISO_IR 87", "~ISO IR87~ISO IR159"}) {
    const ParseResult result = parse(iso_2022_jp(adt(msh18)));
    ASSERT_TRUE(result.message.has_value()) << msh18;
    EXPECT_EQ(result.charset.kind, Charset::Kind::iso_2022_jp) << msh18;
    expect_adt_values(*result.message);
  }
}

TEST(Hl7v2Charset, KanjiInMshBeforeMsh18DoesNotHideIt) {
  // MSH-4 in kanji whose JIS bytes are | ^ ~ (万 五 京): the header scan must skip them.
  const ParseResult jis = parse(iso_2022_jp(adt("~ISO IR87", "万五京病院")));
  ASSERT_TRUE(jis.message.has_value());
  EXPECT_EQ(jis.message->value(0, 4), "万五京病院");
  EXPECT_EQ(jis.charset.kind, Charset::Kind::iso_2022_jp);

  // CP932: ポ = 0x83 0x7C (|), ミ = 0x83 0x7E (~), 表 = 0x95 0x5C (\).
  const std::string sjis = cp932(adt("SHIFT_JIS", "ポミ表クリニック"));
  EXPECT_NE(sjis.find("\x83|"), std::string::npos);
  EXPECT_NE(sjis.find("\x83~"), std::string::npos);
  EXPECT_NE(sjis.find("\x95\\"), std::string::npos);
  const ParseResult result = parse(sjis);
  ASSERT_TRUE(result.message.has_value());
  EXPECT_EQ(result.message->value(0, 4), "ポミ表クリニック");
  EXPECT_EQ(result.charset.kind, Charset::Kind::cp932);
  expect_adt_values(*result.message);
}

TEST(Hl7v2Charset, Cp932MessageWithTrailBytesThatAreDelimiters) {
  for (const char* msh18 : {"SHIFT_JIS", "SJIS", "CP932", "Shift-JIS", "~SHIFT_JIS"}) {
    std::string text = adt(msh18);
    text += "NTE|1||表ソ能ポミ予十申\r";  // trail bytes 0x5C 0x5C 0x5C 0x7C 0x7E; 予 = 0x97 0x5C
    const std::string bytes = cp932(text);
    EXPECT_NE(bytes.find("\x83\\"), std::string::npos);  // ソ
    const ParseResult result = parse(bytes);
    ASSERT_TRUE(result.message.has_value()) << msh18;
    EXPECT_TRUE(result.issues.empty()) << msh18;
    EXPECT_EQ(result.message->decoded_charset(), "CP932");
    expect_adt_values(*result.message);
    const std::size_t nte = result.message->find("NTE").value_or(99);
    EXPECT_EQ(result.message->value(nte, 3), "表ソ能ポミ予十申");
  }
}

TEST(Hl7v2Charset, Cp932NecAndIbmExtensionCharacters) {
  // ① ㈱ (NEC row 13), 髙 﨑 (IBM extensions), ⅰ (NEC-selected IBM extension).
  const std::string bytes = cp932(adt("CP932") + "NTE|1||①㈱髙﨑ⅰ\r");
  EXPECT_NE(bytes.find("\x87\x40"), std::string::npos);   // ①
  EXPECT_NE(bytes.find("\xFB\xFC"), std::string::npos);   // 髙
  const ParseResult result = parse(bytes);
  ASSERT_TRUE(result.message.has_value());
  EXPECT_EQ(result.message->value(result.message->find("NTE").value_or(99), 3), "①㈱髙﨑ⅰ");
}

TEST(Hl7v2Charset, HalfWidthKatakana) {
  // CP932 single bytes 0xA1–0xDF.
  std::string text = adt("SHIFT_JIS") + "NTE|1||ｳﾂﾉﾐﾔ ﾊﾅｺ^ｶﾞｯｺｳ\r";
  ParseResult result = parse(cp932(text));
  ASSERT_TRUE(result.message.has_value());
  std::size_t nte = result.message->find("NTE").value_or(99);
  EXPECT_EQ(result.message->value(nte, 3, 1, 1), "ｳﾂﾉﾐﾔ ﾊﾅｺ");
  EXPECT_EQ(result.message->value(nte, 3, 1, 2), "ｶﾞｯｺｳ");

  // ISO IR13 alone: ASCII + the same 8-bit bytes (JIS X 0201 katakana).
  const std::string kana = cp932("ｳﾂﾉﾐﾔ^ﾊﾅｺ");
  const std::string ir13 = "MSH|^~\\&|HIS|FAC|||20240401||ADT^A08|1|P|2.5||||||ISO IR13\r"
                           "PID|1||123^^^^PI||" + kana + "\r";
  result = parse(ir13);
  ASSERT_TRUE(result.message.has_value());
  EXPECT_EQ(result.charset.kind, Charset::Kind::jis_x0201);
  EXPECT_EQ(result.message->value(1, 5, 1, 1), "ｳﾂﾉﾐﾔ");
  EXPECT_EQ(result.message->value(1, 5, 1, 2), "ﾊﾅｺ");

  // ISO IR87 with ISO IR13: JIS X 0208 in escapes, 8-bit half-width kana between them.
  const std::string mixed = "MSH|^~\\&|HIS|FAC|||20240401||ADT^A08|1|P|2.5||||||~ISO IR87~ISO IR13\r"
                            "PID|1||123^^^^PI||" + iso_2022_jp("宇都宮^花子") + "~" + kana + "\r";
  result = parse(mixed);
  ASSERT_TRUE(result.message.has_value());
  EXPECT_TRUE(result.charset.eight_bit_katakana);
  EXPECT_EQ(result.message->value(1, 5, 1, 1), "宇都宮");
  EXPECT_EQ(result.message->value(1, 5, 2, 1), "ｳﾂﾉﾐﾔ");
  EXPECT_EQ(result.message->value(1, 5, 2, 2), "ﾊﾅｺ");

  // ISO-2022-JP's own 7-bit form, ESC ( I: the kana bytes minus 0x80 (ｳ = 0x33, ^ = 0x5E is ﾞ).
  std::string seven_bit = "\x1b(I";
  for (const char c : cp932("ｳﾂﾉﾐﾔﾞ")) seven_bit += static_cast<char>(static_cast<unsigned char>(c) - 0x80);
  seven_bit += "\x1b(B";
  EXPECT_NE(seven_bit.find('^'), std::string::npos);
  result = parse("MSH|^~\\&|HIS|FAC|||20240401||ADT^A08|1|P|2.5||||||~ISO IR87\r"
                 "PID|1||123^^^^PI||" + seven_bit + "^x\r");
  ASSERT_TRUE(result.message.has_value());
  EXPECT_EQ(result.message->value(1, 5, 1, 1), "ｳﾂﾉﾐﾔﾞ");
  EXPECT_EQ(result.message->value(1, 5, 1, 2), "x");
}

TEST(Hl7v2Charset, JisX0212UnderIsoIr159) {
  const std::string x0212 = icu_bytes("丂", "ISO-2022-JP-1");  // only in JIS X 0212
  EXPECT_NE(x0212.find("\x1b$(D"), std::string::npos);
  const ParseResult result =
      parse("MSH|^~\\&|HIS|FAC|||20240401||ADT^A08|1|P|2.5||||||~ISO IR87~ISO IR159\r"
            "NTE|1||" + x0212 + "\r");
  ASSERT_TRUE(result.message.has_value());
  EXPECT_EQ(result.message->value(1, 3), "丂");
}

TEST(Hl7v2Charset, EmptyMsh18IsGuessedWithAWarning) {
  ParseResult result = parse(iso_2022_jp(adt("")));
  ASSERT_TRUE(result.message.has_value());
  EXPECT_EQ(result.charset.kind, Charset::Kind::iso_2022_jp);
  ASSERT_NE(find_issue(result, "MSH-18"), nullptr);
  EXPECT_EQ(find_issue(result, "MSH-18")->severity, PluginIssue::Severity::warning);
  expect_adt_values(*result.message);

  result = parse(adt(""));
  ASSERT_TRUE(result.message.has_value());
  EXPECT_EQ(result.charset.kind, Charset::Kind::utf8);
  ASSERT_NE(find_issue(result, "MSH-18"), nullptr);
  expect_adt_values(*result.message);

  result = parse(cp932(adt("")));
  ASSERT_TRUE(result.message.has_value());
  EXPECT_EQ(result.charset.kind, Charset::Kind::cp932);
  ASSERT_NE(find_issue(result, "MSH-18"), nullptr);
  expect_adt_values(*result.message);

  result = parse("MSH|^~\\&|A|B\rPID|1\r");
  ASSERT_TRUE(result.message.has_value());
  EXPECT_EQ(result.charset.kind, Charset::Kind::ascii);
  EXPECT_TRUE(result.issues.empty());
}

TEST(Hl7v2Charset, UndecodableBytesAreRejectedByOffsetWithoutContent) {
  struct Case {
    std::string name;
    std::string bytes;
    std::size_t offset;
  };
  const std::string header_utf8 = "MSH|^~\\&|A|B|||||ADT^A08|1|P|2.5||||||UNICODE UTF-8\rPID|1||";
  const std::string header_jis = "MSH|^~\\&|A|B|||||ADT^A08|1|P|2.5||||||~ISO IR87\rPID|1||";
  const std::string header_sjis = "MSH|^~\\&|A|B|||||ADT^A08|1|P|2.5||||||SHIFT_JIS\rPID|1||";
  const std::string header_ascii = "MSH|^~\\&|A|B|||||ADT^A08|1|P|2.5||||||ISO IR6\rPID|1||";
  const std::vector<Case> cases = {
      {"CP932 bytes declared UTF-8", header_utf8 + "ab" + cp932("表") + "\r", header_utf8.size() + 2},
      {"truncated UTF-8", header_utf8 + "\xE5\xAE", header_utf8.size()},
      {"UTF-8 surrogate", header_utf8 + "\xED\xA0\x80", header_utf8.size()},
      {"ESC in UTF-8", header_utf8 + iso_2022_jp("宇"), header_utf8.size()},
      {"unassigned CP932 pair", header_sjis + "x\x85\x40\r", header_sjis.size() + 1},
      {"CP932 lead byte at the end", header_sjis + "x\x95", header_sjis.size() + 1},
      {"8-bit byte in ISO-2022-JP", header_jis + "x\xB3\r", header_jis.size() + 1},
      {"truncated escape sequence", header_jis + "x\x1b$", header_jis.size() + 1},
      {"odd byte in JIS X 0208", header_jis + "\x1b$B\x30\x21\x30", header_jis.size() + 5},
      {"unknown escape sequence", header_jis + "\x1b$(Q\x30\x21\x1b(B", header_jis.size()},
      {"8-bit byte declared ASCII", header_ascii + "\xE5\xAE\x87", header_ascii.size()},
      {"IR13 with a kanji byte", "MSH|^~\\&|A|B|||||ADT^A08|1|P|2.5||||||ISO IR13\rPID|1||\x95\\\r",
       std::string("MSH|^~\\&|A|B|||||ADT^A08|1|P|2.5||||||ISO IR13\rPID|1||").size()},
  };
  for (const Case& c : cases) {
    const ParseResult result = parse(c.bytes);
    EXPECT_FALSE(result.message.has_value()) << c.name;
    const PluginIssue* issue = find_issue(result, "MSH-18");
    ASSERT_NE(issue, nullptr) << c.name;
    EXPECT_EQ(issue->severity, PluginIssue::Severity::error) << c.name;
    EXPECT_NE(issue->diagnostics.find("offset " + std::to_string(c.offset) + " "),
              std::string::npos)
        << c.name << ": " << issue->diagnostics;
  }
}

TEST(Hl7v2Charset, UnsupportedMsh18IsRejected) {
  for (const char* msh18 : {"GB 18030-2000", "8859/1", "UNICODE UTF-8~ISO IR87", "BIG-5",
                            "UTF-16"}) {
    const ParseResult result =
        parse(std::string("MSH|^~\\&|A|B|||||ADT^A08|1|P|2.5||||||") + msh18 + "\rPID|1\r");
    EXPECT_FALSE(result.message.has_value()) << msh18;
    const PluginIssue* issue = find_issue(result, "MSH-18");
    ASSERT_NE(issue, nullptr) << msh18;
    EXPECT_EQ(issue->code, "not-supported");
  }
  // MSH-18 itself in kanji is not a charset name.
  const ParseResult result =
      parse(iso_2022_jp("MSH|^~\\&|A|B|||||ADT^A08|1|P|2.5||||||漢字\rPID|1\r"));
  EXPECT_TRUE(has_error(result));
}

TEST(Hl7v2Charset, HexEscapesAreBytesInTheMessageCharset) {
  // 表 in CP932 is 95 5C; 宇 in JIS X 0208 is 31 27.
  ParseResult result = parse("MSH|^~\\&|A|B|||||ADT^A08|1|P|2.5||||||SHIFT_JIS\rNTE|1||\\X955C\\\r");
  ASSERT_TRUE(result.message.has_value());
  EXPECT_EQ(result.message->value(1, 3), "表");
  result = parse("MSH|^~\\&|A|B|||||ADT^A08|1|P|2.5||||||~ISO IR87\rNTE|1||\\X1B244231271B2842\\\r");
  ASSERT_TRUE(result.message.has_value());
  EXPECT_EQ(result.message->value(1, 3), "宇");
}

TEST(Hl7v2Charset, JisAndCp932GiveTheSameUnicodeForTheSymbolsThatDiffer) {
  // JIS X 0208 0x2141 0x215D 0x2142 0x224C 0x2131 0x2140 (〜 − ‖ ¬ ￣ ＼ in the JIS standard's
  // own mapping) and CP932 0x8160 0x817C 0x8161 0x81CA 0x8150 0x815F: ICU maps both the Microsoft
  // way, so an address "１－２－３" is the same text whichever charset the EHR used.
  const std::string jis_bytes = "\x1b$B\x21\x41\x21\x5D\x21\x42\x22\x4C\x21\x31\x21\x40\x1b(B";
  const std::string cp932_bytes = "\x81\x60\x81\x7C\x81\x61\x81\xCA\x81\x50\x81\x5F";
  Charset jis;
  jis.kind = Charset::Kind::iso_2022_jp;
  Charset sjis;
  sjis.kind = Charset::Kind::cp932;
  const Decoded from_jis = decode_to_utf8(jis_bytes, jis);
  const Decoded from_cp932 = decode_to_utf8(cp932_bytes, sjis);
  ASSERT_TRUE(from_jis.ok);
  ASSERT_TRUE(from_cp932.ok);
  EXPECT_EQ(from_jis.utf8, "～－∥￢￣＼");
  EXPECT_EQ(from_cp932.utf8, "～－∥￢￣＼");
}

TEST(Hl7v2Charset, EncodeFromUtf8) {
  Charset jis;
  jis.kind = Charset::Kind::iso_2022_jp;
  // Back to ASCII before every CR and at the end; identical to ICU's own encoding.
  const std::string text = "A|宇都宮\rB|ハナコ";
  const std::string bytes = encode_from_utf8(text, jis);
  EXPECT_EQ(bytes, iso_2022_jp(text));
  EXPECT_NE(bytes.find("\x1b(B\r"), std::string::npos);
  EXPECT_EQ(bytes.substr(bytes.size() - 3), "\x1b(B");
  // Half-width kana become full-width in plain ISO-2022-JP; unmappable characters become '?'.
  EXPECT_EQ(encode_from_utf8("ｳﾂ", jis), iso_2022_jp("ウツ"));
  EXPECT_EQ(encode_from_utf8("a😀b", jis), "a?b");
  const Decoded back = decode_to_utf8(encode_from_utf8("①宇", jis), jis);
  EXPECT_TRUE(back.ok);

  Charset sjis;
  sjis.kind = Charset::Kind::cp932;
  EXPECT_EQ(encode_from_utf8("表①髙ｳ", sjis), cp932("表①髙ｳ"));
  EXPECT_EQ(encode_from_utf8("x😀", sjis), "x?");

  Charset ascii;
  EXPECT_EQ(encode_from_utf8("abc宇", ascii), "abc?");
  Charset utf8;
  utf8.kind = Charset::Kind::utf8;
  EXPECT_EQ(encode_from_utf8("宇\xFF", utf8), "宇?");

  Charset ir13;
  ir13.kind = Charset::Kind::jis_x0201;
  EXPECT_EQ(encode_from_utf8("aｳﾂ宇", ir13), "a" + cp932("ｳﾂ") + "?");
  Charset jis_ir13 = jis;
  jis_ir13.eight_bit_katakana = true;
  const std::string mixed = encode_from_utf8("宇ｳ", jis_ir13);
  const Decoded decoded = decode_to_utf8(mixed, jis_ir13);
  EXPECT_TRUE(decoded.ok);
  EXPECT_EQ(decoded.utf8, "宇ｳ");
}

TEST(Hl7v2Charset, Names) {
  Charset charset;
  EXPECT_EQ(charset.name(), "US-ASCII");
  charset.kind = Charset::Kind::iso_2022_jp;
  EXPECT_EQ(charset.name(), "ISO-2022-JP");
  charset.kind = Charset::Kind::cp932;
  EXPECT_EQ(charset.name(), "CP932");
  charset.kind = Charset::Kind::utf8;
  EXPECT_EQ(charset.name(), "UTF-8");
}

}  // namespace
}  // namespace socialrx::plugins::hl7v2
