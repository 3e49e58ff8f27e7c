// MLLP sources on the real binary. `serve --dev`'s ssmix2 channel: a frame over the 1 MiB limit
// is discarded, answered with the codec's reject (AR), and the connection goes on taking messages
// (the next one is stored and answered AA). A configured channel with TLS and a client CA and its
// own frame limit: a sender with a certificate from that CA is answered over TLS, a plain
// connection and a certificate from another CA get nothing stored, and the channel's limit (not
// the 1 MiB default) applies.

#include <gtest/gtest.h>

#include <fstream>

#include "gateway/mllp/client.hpp"
#include "tests/gateway/support/test_pki.hpp"
#include "tests/gateway/support/gateway_process.hpp"
#include "tests/gateway/support/mllp_sender.hpp"
#include "tests/gateway/support/ssmix2_messages.hpp"

namespace socialrx::testing {
namespace {

TEST(MllpSources, AnOversizedFrameIsRejectedAndTheConnectionGoesOn) {
  const std::uint16_t mllp_port = pick_free_port();
  GatewayProcessOptions options;
  options.extra_args = {"--mllp", "127.0.0.1:" + std::to_string(mllp_port)};
  GatewayProcess gateway(options);
  gateway.start();
  MllpSender sender("127.0.0.1", mllp_port);

  AdtPatient patient = numbered_patient(7, 1);
  std::string oversized = adt_message(patient, Hl7Charset::utf8);
  oversized += "NTE|1||" + std::string(1u << 20, 'x') + "\r";
  const auto rejected = sender.exchange(oversized);
  ASSERT_TRUE(rejected.has_value()) << "no reply to the oversized frame";
  EXPECT_EQ(ack_code(*rejected), "AR");

  patient.control_id = "MLLP-SOURCES-2";
  const auto accepted = sender.exchange(adt_message(patient, Hl7Charset::iso2022jp));
  ASSERT_TRUE(accepted.has_value()) << "the connection did not go on after the reject";
  EXPECT_EQ(ack_code(*accepted), "AA");
  EXPECT_EQ(acked_control_id(*accepted), "MLLP-SOURCES-2");
  EXPECT_EQ(gateway.stop(), 0);
}

TEST(MllpSources, AChannelWithTlsAndAClientCaTakesOnlyItsSenders) {
  const std::uint16_t mllp_port = pick_free_port();
  const std::string listen = "127.0.0.1:" + std::to_string(mllp_port);
  GatewayProcess gateway;
  const TestPki pki(gateway.work_dir() / "pki");
  const auto config = gateway.work_dir() / "gateway.jsonc";
  std::ofstream(config) << R"({"ingest": {"plugins_dir": ")" << SOCIALRX_TEST_PLUGINS_DIR << R"(", "channels": [
    {"name": "ssmix2", "plugin": "hl7v2", "mapping": ")" << SOCIALRX_SOURCE_DIR << R"(/mappings/hl7v2/ssmix2.jsonc",
     "destinations": ["store"],
     "source": {"mllp": ")" << listen << R"(", "max_frame_bytes": 65536, "idle_timeout_ms": 60000,
                "max_connections": 8,
                "tls": {"certificate_chain": ")" << pki.server_chain_file() << R"(",
                        "private_key": ")" << pki.server_key_file() << R"(",
                        "client_ca": ")" << pki.ca_file() << R"("}}}]}})";
  gateway.options().extra_args = {"--config", config.string(), "--mllp", listen};
  gateway.start();

  const auto client_options = [&](bool tls, const std::string& certificate, const std::string& key) {
    gateway::mllp::MllpClientOptions options;
    options.host = "127.0.0.1";
    options.port = mllp_port;
    options.tls = tls;
    options.ca_file = pki.ca_file();
    options.certificate_file = certificate;
    options.private_key_file = key;
    options.connect_timeout = std::chrono::milliseconds(5'000);
    options.reply_timeout = std::chrono::milliseconds(5'000);
    return options;
  };
  AdtPatient patient = numbered_patient(11, 1);
  patient.control_id = "MLLP-TLS-1";
  const std::string message = adt_message(patient, Hl7Charset::iso2022jp);

  gateway::mllp::MllpClient sender(client_options(true, pki.client_certificate_file(), pki.client_key_file()));
  const auto accepted = sender.exchange(message);
  ASSERT_TRUE(accepted.ok()) << accepted.reason;
  EXPECT_EQ(ack_code(accepted.reply), "AA");
  EXPECT_EQ(acked_control_id(accepted.reply), "MLLP-TLS-1");

  // The channel's own frame limit: 65,536 bytes, not the 1 MiB default.
  std::string oversized = message + "NTE|1||" + std::string(70'000, 'x') + "\r";
  const auto too_large = sender.exchange(oversized);
  ASSERT_TRUE(too_large.ok()) << too_large.reason;
  EXPECT_EQ(ack_code(too_large.reply), "AR");

  gateway::mllp::MllpClient plain(client_options(false, "", ""));
  EXPECT_FALSE(plain.exchange(message).ok());
  gateway::mllp::MllpClient rogue(
      client_options(true, pki.rogue_client_certificate_file(), pki.rogue_client_key_file()));
  EXPECT_FALSE(rogue.exchange(message).ok());
  gateway::mllp::MllpClient anonymous(client_options(true, "", ""));
  EXPECT_FALSE(anonymous.exchange(message).ok());

  // Only the first message was stored: one Patient.
  auto client = gateway.client();
  const auto count = client.get("/fhir/Patient?_summary=count");
  ASSERT_EQ(count.status, 200u) << count.body;
  EXPECT_NE(count.body.find("\"total\":1"), std::string::npos) << count.body;
  EXPECT_EQ(gateway.stop(), 0);
}

}  // namespace
}  // namespace socialrx::testing
