// The MLLP source of `serve --dev`'s ssmix2 channel on the real binary: a frame over the 1 MiB
// limit is discarded, answered with the codec's reject (AR), and the connection goes on taking
// messages (the next one is stored and answered AA).

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace socialrx::testing
