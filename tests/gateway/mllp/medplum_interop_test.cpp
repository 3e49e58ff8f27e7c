// Interoperability with an independent MLLP implementation: @medplum/hl7 4.5.2 from npm (pinned in
// package-lock.json; node found in PATH), both ways, over real sockets on 127.0.0.1:
//   - our MllpClient and the outbox's "mllp" transport send to its Hl7Server, which answers with
//     ACKs built by @medplum/core (AA, AE, AR);
//   - its Hl7Client sends ADT^A08 messages with kanji and kana names (UTF-8 and Shift_JIS, encoded
//     by its iconv-lite) to our MllpServer, and gets our ACKs back matched by MSA-2.

#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "gateway/mllp/acknowledgment.hpp"
#include "gateway/mllp/client.hpp"
#include "gateway/mllp/server.hpp"
#include "gateway/outbox/mllp_transport.hpp"
#include "tests/gateway/mllp/mllp_test_support.hpp"
#include "tests/gateway/mllp/node_process.hpp"

namespace socialrx::gateway::mllp {
namespace {

using namespace std::chrono_literals;
using socialrx::testing::NodeProcess;

// MSH-n of an HL7 v2 message with '|' fields (MSH-1 is the separator itself).
std::string msh_field(const std::string& message, int n) {
  const std::string header = message.substr(0, message.find('\r'));
  int field = 1;
  std::size_t at = 3;
  while (field < n - 1 && at != std::string::npos) {
    at = header.find('|', at + 1);
    ++field;
  }
  if (at == std::string::npos) return {};
  const std::size_t end = header.find('|', at + 1);
  return header.substr(at + 1, end == std::string::npos ? std::string::npos : end - at - 1);
}

// An ACK for a message: MSA-1 AA and MSA-2 = its MSH-10.
std::string ack_for(const std::string& message) {
  return "MSH|^~\\&|SOCIALRX|GW|" + msh_field(message, 3) + "|" + msh_field(message, 4) +
         "|20260101120000||ACK^A08^ACK|ACK" + msh_field(message, 10) + "|P|2.5\rMSA|AA|" +
         msh_field(message, 10) + "\r";
}

struct AckServer {
  explicit AckServer(const std::string& code = "AA")
      : process(SOCIALRX_SOURCE_DIR, "tests/js/mllp_ack_server.mjs", {"--port", "0", "--ack", code}) {
    const auto line = process.read_line();
    if (!line || !line->starts_with("LISTENING ")) throw std::runtime_error("the node server did not start");
    port = static_cast<std::uint16_t>(std::stoi(line->substr(10)));
  }
  NodeProcess process;
  std::uint16_t port = 0;
};

std::string adt_a08(const std::string& control_id) {
  return "MSH|^~\\&|SOCIALRX|GW|HIS|HOSP|20260101120000||ADT^A08^ADT_A01|" + control_id +
         "|P|2.5\rEVN||20260101120000\rPID|1||123^^^^PI||YAMADA^TARO\r";
}

TEST(MllpMedplumInterop, OurClientGetsAcksFromMedplumHl7Server) {
  AckServer server;
  MllpClientOptions options;
  options.host = "127.0.0.1";
  options.port = server.port;
  MllpClient client(options);
  for (int i = 0; i < 5; ++i) {
    const std::string id = "C" + std::to_string(i);
    const auto result = client.exchange(adt_a08(id));
    ASSERT_TRUE(result.ok()) << result.reason;
    EXPECT_EQ(acknowledgment_code(result.reply), "AA");
    EXPECT_NE(result.reply.find("MSA|AA|" + id), std::string::npos);
    EXPECT_EQ(server.process.read_line(), "MESSAGE ADT^A08^ADT_A01 " + id);
  }
}

TEST(MllpMedplumInterop, OutboxMllpTransportAgainstMedplumHl7Server) {
  outbox::OutboxOptions options;
  options.request_timeout = 5s;
  options.mllp_ack_timeout = 5s;
  const std::vector<std::pair<std::string, outbox::DeliveryOutcome::Verdict>> cases{
      {"AA", outbox::DeliveryOutcome::Verdict::delivered},
      {"AE", outbox::DeliveryOutcome::Verdict::retry},
      {"AR", outbox::DeliveryOutcome::Verdict::reject},
  };
  for (const auto& [code, verdict] : cases) {
    AckServer server(code);
    outbox::MllpTransport transport(options);
    outbox::Delivery delivery;
    delivery.id = 1;
    delivery.destination = "mllp://127.0.0.1:" + std::to_string(server.port);
    delivery.body = adt_a08("T-" + code);
    delivery.idempotency_key = "forward:T-" + code;
    const auto outcome = transport.send(delivery);
    EXPECT_EQ(outcome.verdict, verdict) << code << ": " << outcome.reason;
    EXPECT_EQ(server.process.read_line(), "MESSAGE ADT^A08^ADT_A01 T-" + code);
  }
}

class AckingHandler : public MllpHandler {
 public:
  void on_message(std::string bytes, const Peer&, Reply reply) override {
    {
      std::lock_guard lock(mutex_);
      messages_.push_back(bytes);
    }
    reply(ack_for(bytes));
  }
  void on_oversized(std::size_t, const Peer&, Reply reply) override { reply(std::string()); }
  std::vector<std::string> messages() const {
    std::lock_guard lock(mutex_);
    return messages_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> messages_;
};

void expect_medplum_sender_gets_acks(const std::string& encoding, const std::string& kanji_bytes,
                                     const std::string& kana_bytes) {
  AckingHandler handler;
  MllpServerOptions options;
  options.port = 0;
  MllpServer server(options, handler);
  server.start();
  constexpr int kCount = 20;
  NodeProcess sender(SOCIALRX_SOURCE_DIR, "tests/js/mllp_send.mjs",
                     {"--port", std::to_string(server.port()), "--count", std::to_string(kCount),
                      "--prefix", "M", "--encoding", encoding});
  for (int i = 0; i < kCount; ++i) {
    EXPECT_EQ(sender.read_line(), "ACK AA M-" + std::to_string(i));
  }
  EXPECT_EQ(sender.wait(), 0);
  const auto messages = handler.messages();
  ASSERT_EQ(messages.size(), static_cast<std::size_t>(kCount));
  // The bytes arrive exactly as the sender encoded them (the server converts nothing).
  EXPECT_NE(messages[0].find(kanji_bytes), std::string::npos) << encoding;
  EXPECT_NE(messages[0].find(kana_bytes), std::string::npos) << encoding;
  EXPECT_EQ(msh_field(messages[0], 10), "M-0");
}

TEST(MllpMedplumInterop, MedplumHl7ClientSendsToOurServerInUtf8) {
  expect_medplum_sender_gets_acks("utf-8", "山田^太郎", "ヤマダ^タロウ");
}

TEST(MllpMedplumInterop, MedplumHl7ClientSendsToOurServerInShiftJis) {
  // 山田 = 8E 52 93 63, 太郎 = 91 BE 98 59; ヤマダ = 83 84 83 7D 83 5F, タロウ = 83 5E 83 8D 83 45.
  expect_medplum_sender_gets_acks("shift_jis", "\x8e\x52\x93\x63^\x91\xbe\x98\x59",
                                  "\x83\x84\x83\x7d\x83\x5f^\x83\x5e\x83\x8d\x83\x45");
}

}  // namespace
}  // namespace socialrx::gateway::mllp
