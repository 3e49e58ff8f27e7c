// MLLP framing without sockets: split and glued frames, a missing final CR, bytes between frames,
// an abandoned partial frame, oversized frames; the MSA-1 scan of replies; mllp:// URLs.

#include "gateway/mllp/frame.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gateway/mllp/acknowledgment.hpp"
#include "gateway/mllp/client.hpp"

namespace socialrx::gateway::mllp {
namespace {

std::vector<FrameEvent> drain(FrameDecoder& decoder) {
  std::vector<FrameEvent> events;
  while (auto event = decoder.next()) events.push_back(std::move(*event));
  return events;
}

TEST(MllpFrame, EncodeWrapsInVtFsCr) {
  EXPECT_EQ(encode_frame("MSH|x"), std::string("\x0bMSH|x\x1c\x0d"));
  EXPECT_EQ(encode_frame(""), std::string("\x0b\x1c\x0d"));
}

TEST(MllpFrame, OneFrameSplitOverEveryByte) {
  const std::string message = "MSH|^~\\&|A|B\rPID|1||123\r";
  const std::string wire = encode_frame(message);
  const std::size_t end_block = wire.size() - 2;  // FS
  FrameDecoder decoder(1024);
  for (std::size_t i = 0; i < wire.size(); ++i) {
    decoder.feed(wire.substr(i, 1));
    auto event = decoder.next();
    if (i != end_block) {
      EXPECT_FALSE(event.has_value()) << "byte " << i;
      continue;
    }
    ASSERT_TRUE(event) << "the frame ends at its FS";
    EXPECT_EQ(event->payload, message);
  }
  EXPECT_FALSE(decoder.in_frame());
  EXPECT_EQ(decoder.skipped_bytes(), 0u);  // the CR after FS is the trailer, not garbage
}

TEST(MllpFrame, SplitEverywhereGivesTheSameFrame) {
  const std::string message(5000, 'x');
  const std::string wire = encode_frame(message);
  for (std::size_t cut : {1u, 2u, 7u, 1000u, 4999u, 5001u, 5002u}) {
    FrameDecoder decoder(1u << 20);
    decoder.feed(wire.substr(0, cut));
    auto events = drain(decoder);
    decoder.feed(wire.substr(cut));
    auto rest = drain(decoder);
    events.insert(events.end(), rest.begin(), rest.end());
    ASSERT_EQ(events.size(), 1u) << cut;
    EXPECT_EQ(events[0].payload, message);
  }
}

TEST(MllpFrame, SeveralFramesInOneRead) {
  FrameDecoder decoder(1024);
  decoder.feed(encode_frame("one") + encode_frame("two") + encode_frame("three"));
  const auto events = drain(decoder);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].payload, "one");
  EXPECT_EQ(events[1].payload, "two");
  EXPECT_EQ(events[2].payload, "three");
  EXPECT_EQ(decoder.skipped_bytes(), 0u);
}

TEST(MllpFrame, MissingFinalCrIsTolerated) {
  FrameDecoder decoder(1024);
  decoder.feed("\x0b" "first\x1c" "\x0b" "second\x1c");
  const auto events = drain(decoder);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].payload, "first");
  EXPECT_EQ(events[1].payload, "second");
  EXPECT_FALSE(decoder.in_frame());
}

TEST(MllpFrame, BytesBetweenFramesAreSkippedAndCounted) {
  FrameDecoder decoder(1024);
  decoder.feed("\r\n  noise" + encode_frame("a") + "\n\n\r" + encode_frame("b") + "tail");
  const auto events = drain(decoder);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].payload, "a");
  EXPECT_EQ(events[1].payload, "b");
  // "\r\n  noise" (9) + "\n\n\r" after a's FS CR (3) + "tail" (4); the CRs of FS CR are not counted.
  EXPECT_EQ(decoder.skipped_bytes(), 9u + 3u + 4u);
}

TEST(MllpFrame, VtInsideAFrameStartsOver) {
  FrameDecoder decoder(1024);
  decoder.feed("\x0bpartial without end\x0bwhole\x1c\r");
  const auto events = drain(decoder);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].payload, "whole");
  EXPECT_GT(decoder.skipped_bytes(), 0u);
}

TEST(MllpFrame, OversizedFrameIsDiscardedToItsEndAndReported) {
  FrameDecoder decoder(10);
  decoder.feed("\x0b" + std::string(6, 'a'));
  EXPECT_FALSE(decoder.next());
  decoder.feed(std::string(6, 'b'));  // now 12 > 10
  EXPECT_FALSE(decoder.next());
  EXPECT_TRUE(decoder.in_frame());
  decoder.feed(std::string(1000, 'c') + "\x1c\r" + encode_frame("small"));
  const auto events = drain(decoder);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, FrameEvent::Kind::oversized);
  EXPECT_EQ(events[0].size, 1012u);
  EXPECT_TRUE(events[0].payload.empty());
  EXPECT_EQ(events[1].kind, FrameEvent::Kind::frame);
  EXPECT_EQ(events[1].payload, "small");
}

TEST(MllpFrame, FrameOfExactlyTheLimitPasses) {
  FrameDecoder decoder(10);
  decoder.feed(encode_frame(std::string(10, 'x')) + encode_frame(std::string(11, 'y')));
  const auto events = drain(decoder);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, FrameEvent::Kind::frame);
  EXPECT_EQ(events[1].kind, FrameEvent::Kind::oversized);
}

TEST(MllpFrame, JapaneseBytesPassUnchanged) {
  // ISO-2022-JP (ESC $ B … ESC ( B) and Shift_JIS bytes never contain VT or FS.
  const std::string iso2022 = "PID|||1||\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B\r";
  const std::string sjis = "PID|||1||\x8e\x52\x93\x63^\x91\xbe\x98\x59\r";
  FrameDecoder decoder(1024);
  decoder.feed(encode_frame(iso2022) + encode_frame(sjis));
  const auto events = drain(decoder);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].payload, iso2022);
  EXPECT_EQ(events[1].payload, sjis);
}

TEST(MllpAcknowledgment, ReadsMsa1) {
  EXPECT_EQ(acknowledgment_code("MSH|^~\\&|A|B|C|D|20260101||ACK|1|P|2.5\rMSA|AA|123\r"), "AA");
  EXPECT_EQ(acknowledgment_code("MSH|^~\\&|A\rMSA|AE|123|bad\rERR|||207\r"), "AE");
  EXPECT_EQ(acknowledgment_code("MSH|^~\\&|A\r\nMSA|ar|1\r\n"), "AR");
  EXPECT_EQ(acknowledgment_code("MSH#^~\\&#A\rMSA#CA#1\r"), "CA");      // other field separator
  EXPECT_EQ(acknowledgment_code("MSH|^~\\&|A\nMSA|CE^x|1"), "CE");       // LF, component
  EXPECT_EQ(acknowledgment_code("MSA|CR|1"), "CR");                      // no MSH
  EXPECT_EQ(acknowledgment_code("MSH|^~\\&|A\rMSAX|AA\r"), "");
  EXPECT_EQ(acknowledgment_code("MSH|^~\\&|A\rMSA||1\r"), "");
  EXPECT_EQ(acknowledgment_code(""), "");
  EXPECT_EQ(acknowledgment_code("garbage"), "");
  EXPECT_EQ(classify_acknowledgment("AA"), AckVerdict::accepted);
  EXPECT_EQ(classify_acknowledgment("CA"), AckVerdict::accepted);
  EXPECT_EQ(classify_acknowledgment("AE"), AckVerdict::retry);
  EXPECT_EQ(classify_acknowledgment("CE"), AckVerdict::retry);
  EXPECT_EQ(classify_acknowledgment("AR"), AckVerdict::rejected);
  EXPECT_EQ(classify_acknowledgment("CR"), AckVerdict::rejected);
  EXPECT_EQ(classify_acknowledgment(""), AckVerdict::unknown);
  EXPECT_EQ(classify_acknowledgment("ZZ"), AckVerdict::unknown);
}

TEST(MllpUrl, Parses) {
  auto url = parse_mllp_url("mllp://127.0.0.1:2576");
  ASSERT_TRUE(url);
  EXPECT_FALSE(url->tls);
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 2576);
  url = parse_mllp_url("mllps://hl7.example.jp/");
  ASSERT_TRUE(url);
  EXPECT_TRUE(url->tls);
  EXPECT_EQ(url->host, "hl7.example.jp");
  EXPECT_EQ(url->port, 2575);
  url = parse_mllp_url("mllp://[::1]:7000");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 7000);
  for (const char* bad : {"http://a:1", "mllp://", "mllp://a:", "mllp://a:0", "mllp://a:70000",
                          "mllp://a:1/path", "mllp://u@a:1", "mllp://[::1"}) {
    EXPECT_FALSE(parse_mllp_url(bad)) << bad;
  }
}

}  // namespace
}  // namespace socialrx::gateway::mllp
