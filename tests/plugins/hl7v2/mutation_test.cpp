// Thousands of randomly corrupted messages (fixed seed): parse, read_header and build_ack always
// return, never crash, and every ACK is itself a message the parser reads, with an MSA.

#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "plugins/hl7v2/ack.hpp"
#include "plugins/hl7v2/header.hpp"
#include "plugins/hl7v2/parser.hpp"
#include "tests/plugins/hl7v2/icu_bytes.hpp"

namespace socialrx::plugins::hl7v2 {
namespace {

std::vector<std::string> seeds() {
  const std::string body =
      "PID|0001||0000123456^^^^PI||宇都宮^花子^^^^^L^I~ウツノミヤ^ハナコ^^^^^L^P||19620315|F|||"
      "^^^^141-0022^JPN^H^東京都品川区東五反田万世１－２－３\r"
      "NK1|1|宇都宮^太郎|SPO\rZPI|a&b\\F\\c~\"\"|\\X955C\\|\\.br\\\r";
  const std::string msh = "MSH|^~\\&|HIS|FAC|SOCIALRX|HUB|20240401120000||ADT^A08^ADT_A01|M1|P|2.5||||||";
  return {
      msh + "UNICODE UTF-8\r" + body,
      testing::iso_2022_jp(msh + "~ISO IR87||ISO 2022-1994\r" + body),
      testing::cp932(msh + "SHIFT_JIS\r" + body + "NTE|1||表ソ能①髙ｳﾂﾉﾐﾔ\r"),
      testing::cp932(msh + "\r" + body),
      "MSH#$*!%#HIS#FAC####ADT$A08#M2#P#2.5\rPID#1##x$y*z%w!F!\r",
      msh + "ISO IR13\rPID|1||123^^^^PI||" + testing::cp932("ｳﾂﾉﾐﾔ^ﾊﾅｺ") + "\r",
      msh + "~ISO IR87~ISO IR13\rPID|1||123^^^^PI||" + testing::iso_2022_jp("宇都宮^花子") + "~" +
          testing::cp932("ｳﾂﾉﾐﾔ^ﾊﾅｺ") + "\r",
  };
}

// Touches every value the accessors can reach, the way a mapping would.
std::size_t walk(const Message& m) {
  std::size_t total = 0;
  for (std::size_t s = 0; s < m.segment_count(); ++s) {
    total += m.segment_id(s).size();
    for (int f = 0; f <= m.field_count(s) + 1; ++f) {
      const int repetitions = m.repetition_count(s, f);
      for (int r = 1; r <= repetitions + 1; ++r) {
        const int components = m.component_count(s, f, r);
        for (int c = 1; c <= components + 1; ++c) {
          for (int sub = 1; sub <= 3; ++sub) {
            total += m.value(s, f, r, c, sub).size();
            total += m.is_explicit_null(s, f, r, c, sub) ? 1 : 0;
          }
        }
      }
    }
  }
  return total;
}

std::string mutate(std::string text, std::mt19937& random) {
  static const std::string interesting = std::string("|^~\\&\r\n\x1b$B(IJ\"X.09AFZ") +
                                         std::string("\x80\x81\x95\xA1\xDF\xE0\xFC\xFF\x00", 9);
  std::uniform_int_distribution<int> kind(0, 7);
  const int mutations = std::uniform_int_distribution<int>(1, 6)(random);
  for (int i = 0; i < mutations; ++i) {
    const std::size_t size = text.size();
    const std::size_t at = size == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, size - 1)(random);
    const char pick = interesting[std::uniform_int_distribution<std::size_t>(0, interesting.size() - 1)(random)];
    switch (kind(random)) {
      case 0:  // flip a bit
        if (size > 0) text[at] = static_cast<char>(text[at] ^ (1 << (random() % 8)));
        break;
      case 1:  // insert an interesting byte
        text.insert(at, 1, pick);
        break;
      case 2:  // overwrite with one
        if (size > 0) text[at] = pick;
        break;
      case 3:  // delete a run
        if (size > 0) text.erase(at, std::uniform_int_distribution<std::size_t>(1, 16)(random));
        break;
      case 4:  // truncate
        text.resize(at);
        break;
      case 5: {  // duplicate a chunk
        const std::string chunk = text.substr(at, 40);
        text.insert(at, chunk);
        break;
      }
      case 6:  // random byte
        if (size > 0) text[at] = static_cast<char>(random() & 0xFF);
        break;
      default:  // a run of escapes / separators
        text.insert(at, std::string(std::uniform_int_distribution<std::size_t>(1, 8)(random), pick));
        break;
    }
  }
  return text;
}

TEST(Hl7v2Mutation, CorruptedMessagesNeverCrashAndAlwaysGetAnAck) {
  std::mt19937 random(20240401);
  const std::vector<std::string> originals = seeds();
  for (const std::string& original : originals) {
    ASSERT_TRUE(parse(original).message.has_value());
  }
  AckOptions options;
  options.timestamp = "20240401120000+0900";
  options.control_id = "ACK1";
  int parsed = 0, rejected = 0;
  std::size_t checksum = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20000; ++i) {
    const std::string bytes = mutate(originals[static_cast<std::size_t>(i) % originals.size()], random);
    const ParseResult result = parse(bytes);
    if (result.message) {
      ++parsed;
      checksum += walk(*result.message);
    } else {
      ++rejected;
      bool has_error = false;
      for (const PluginIssue& issue : result.issues) {
        has_error = has_error || issue.severity == PluginIssue::Severity::error;
      }
      ASSERT_TRUE(has_error) << "no message and no error, iteration " << i;
    }
    const MessageHeader header = read_header(bytes);
    checksum += header.message_id.size();
    const Disposition disposition = result.message ? Disposition::data_error : Disposition::rejected;
    const std::string ack = build_ack(bytes, disposition, result.issues, options);
    const ParseResult ack_parsed = parse(ack);
    ASSERT_TRUE(ack_parsed.message.has_value()) << "unreadable ACK, iteration " << i;
    const std::optional<std::size_t> msa = ack_parsed.message->find("MSA");
    ASSERT_TRUE(msa.has_value()) << "iteration " << i;
    const std::string_view code = ack_parsed.message->value(*msa, 1);
    ASSERT_TRUE(code == "AE" || code == "AR") << "iteration " << i;
    if (!header.readable) {
      ASSERT_EQ(code, "AR") << "iteration " << i;
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // Both outcomes must occur, or the corruption is too weak (or too strong) to test anything.
  EXPECT_GT(parsed, 1000);
  EXPECT_GT(rejected, 1000);
  EXPECT_GT(checksum, 0u);
  std::printf("parsed %d, rejected %d in %.2f s\n", parsed, rejected, seconds);
}

TEST(Hl7v2Mutation, PathologicalShapesStayBounded) {
  // Huge numbers of empty values, escapes and segments, at the limits.
  const std::string msh = "MSH|^~\\&|A|B\r";
  const std::vector<std::string> shapes = {
      msh + "NTE|" + std::string(60000, '~') + "\r",
      msh + "NTE|" + std::string(60000, '^') + "\r",
      msh + "NTE|" + std::string(60000, '&') + "\r",
      msh + "NTE|" + std::string(60000, '\\') + "\r",
      msh + "NTE" + std::string(200000, '|') + "\r",
      msh + std::string(200000, '\r'),
      [&] {
        std::string s = msh;
        for (int i = 0; i < 9000; ++i) s += "Z01|\r";
        return s;
      }(),
      [&] {
        std::string s = msh;
        for (int i = 0; i < 20000; ++i) s += "\\X41\\";
        return s;
      }(),
  };
  for (const std::string& shape : shapes) {
    const auto start = std::chrono::steady_clock::now();
    const ParseResult result = parse(shape);
    if (result.message) walk(*result.message);
    build_ack(shape, Disposition::rejected, result.issues);
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 2.0);
  }
}

}  // namespace
}  // namespace socialrx::plugins::hl7v2
