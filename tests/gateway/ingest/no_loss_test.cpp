// Issue 6's no-loss test: several senders push SS-MIX2 ADT^A08 messages over MLLP while the
// gateway is killed with SIGKILL every 2–5 s and started again on the same data directory. A
// sender behaves like an EHR: it resends the same message (same MSH-10) until it gets an ACK.
// Afterwards every message that got an AA must be in the inbound store exactly once, processed,
// and its Patient must exist exactly once, at version 1 (a message processed twice would have
// made a second version through its conditional update).
//
// At least 10,000 messages in the Release build (2,000 under AddressSanitizer, whose build is
// several times slower), and the senders go on with new messages until the gateway has been
// killed at least kMinKills times: a fast machine must not finish before the kills begin.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fhir/json.hpp"
#include "tests/gateway/support/gateway_process.hpp"
#include "tests/gateway/support/mllp_sender.hpp"
#include "tests/gateway/support/ssmix2_messages.hpp"

namespace socialrx::testing {
namespace {

#ifdef __SANITIZE_ADDRESS__
constexpr int kMessages = 2'000;
#else
constexpr int kMessages = 10'000;
#endif
constexpr int kSenders = 4;
constexpr int kMinKills = 3;
// The identifier system of patient ids from the messages' sending facility (DOMAIN.md §3).
constexpr std::string_view kPatientIdSystem = "urn:oid:1.2.392.100495.20.3.51.10910112341";

struct SentMessage {
  std::string patient_id;
  std::string control_id;
  bool acknowledged = false;
  int attempts = 0;
};

// Every Patient the gateway holds: identifier value (of kPatientIdSystem) → versionIds seen.
std::map<std::string, std::vector<std::string>> stored_patients(GatewayProcess& gateway) {
  std::map<std::string, std::vector<std::string>> patients;
  HttpClient client = gateway.client(ClientOptions{std::chrono::milliseconds(60'000), {}});
  std::string next = "/fhir/Patient?_count=500";
  while (!next.empty()) {
    const HttpResponse response = client.get(next);
    if (response.status != 200) throw std::runtime_error("Patient search answered " + std::to_string(response.status));
    const fhir::json::ParseResult parsed = fhir::json::parse(response.body);
    if (!parsed.document) throw std::runtime_error("Patient search: no JSON");
    const fhir::json::Value& bundle = parsed.document->root();
    next.clear();
    if (const fhir::json::Value* links = bundle.find("link")) {
      for (const fhir::json::Value& link : links->items()) {
        if (link.string_at("relation") != "next") continue;
        const std::string_view url = link.string_at("url");
        const std::size_t path = url.find("/fhir/");
        next = std::string(url.substr(path));
      }
    }
    const fhir::json::Value* entries = bundle.find("entry");
    if (entries == nullptr) continue;
    for (const fhir::json::Value& entry : entries->items()) {
      const fhir::json::Value* resource = entry.find("resource");
      if (resource == nullptr) continue;
      const fhir::json::Value* meta = resource->find("meta");
      const std::string version(meta != nullptr ? meta->string_at("versionId") : "");
      if (const fhir::json::Value* identifiers = resource->find("identifier")) {
        for (const fhir::json::Value& identifier : identifiers->items()) {
          if (identifier.string_at("system") == kPatientIdSystem) {
            patients[std::string(identifier.string_at("value"))].push_back(version);
          }
        }
      }
    }
  }
  return patients;
}

TEST(NoLoss, EveryAcknowledgedMessageIsStoredAndProcessedOnceThroughSigkills) {
  const std::uint16_t mllp_port = pick_free_port();
  GatewayProcessOptions options;
  options.extra_args = {"--mllp", "127.0.0.1:" + std::to_string(mllp_port)};
  options.ready_timeout = std::chrono::milliseconds(60'000);
  GatewayProcess gateway(options);
  gateway.start();

  std::vector<std::vector<SentMessage>> sent(kSenders);
  std::atomic<int> done_senders{0};
  std::atomic<int> kills{0};
  std::vector<std::thread> senders;
  for (int s = 0; s < kSenders; ++s) {
    senders.emplace_back([&, s] {
      MllpSender sender("127.0.0.1", mllp_port, std::chrono::milliseconds(5'000));
      for (int n = 0; n < kMessages / kSenders || kills.load() < kMinKills; ++n) {
        const AdtPatient patient = numbered_patient(s + 1, n);
        const std::string message = adt_message(patient, n % 2 == 0 ? Hl7Charset::iso2022jp : Hl7Charset::cp932);
        SentMessage record{patient.patient_id, patient.control_id};
        // Resend until answered, like an EHR; give up only after a long outage (a failure).
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(2);
        while (std::chrono::steady_clock::now() < give_up) {
          ++record.attempts;
          const auto reply = sender.exchange(message);
          if (!reply) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            continue;
          }
          record.acknowledged = ack_code(*reply) == "AA" && acked_control_id(*reply) == patient.control_id;
          break;
        }
        sent[static_cast<std::size_t>(s)].push_back(record);
      }
      done_senders.fetch_add(1);
    });
  }

  // The killer: SIGKILL every 2–5 s while the senders run, then start on the same data.
  std::mt19937 random(20261202);
  while (done_senders.load() < kSenders) {
    const auto pause = std::chrono::milliseconds(2'000 + random() % 3'001);
    const auto until = std::chrono::steady_clock::now() + pause;
    while (done_senders.load() < kSenders && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (done_senders.load() >= kSenders) break;
    gateway.kill();
    kills.fetch_add(1);
    gateway.start();
  }
  for (std::thread& thread : senders) thread.join();
  EXPECT_GE(kills.load(), kMinKills);

  std::size_t total = 0;
  std::size_t acknowledged = 0;
  std::size_t resent = 0;
  for (const auto& messages : sent) {
    total += messages.size();
    for (const SentMessage& message : messages) {
      EXPECT_TRUE(message.acknowledged) << "message " << message.control_id << " never got an AA";
      acknowledged += message.acknowledged ? 1 : 0;
      resent += message.attempts > 1 ? 1 : 0;
    }
  }
  EXPECT_GE(total, static_cast<std::size_t>(kMessages));
  EXPECT_EQ(acknowledged, total);

  // Exactly once: one Patient per acknowledged message, never a second version.
  const auto patients = stored_patients(gateway);
  std::size_t missing = 0, duplicated = 0, reprocessed = 0;
  for (const auto& messages : sent) {
    for (const SentMessage& message : messages) {
      if (!message.acknowledged) continue;
      const auto found = patients.find(message.patient_id);
      if (found == patients.end()) {
        ++missing;
      } else if (found->second.size() != 1) {
        ++duplicated;
      } else if (found->second.front() != "1") {
        ++reprocessed;
      }
    }
  }
  EXPECT_EQ(missing, 0u) << "acknowledged messages whose Patient is not stored";
  EXPECT_EQ(duplicated, 0u) << "acknowledged messages stored as more than one Patient";
  EXPECT_EQ(reprocessed, 0u) << "acknowledged messages processed more than once (Patient version > 1)";
  EXPECT_EQ(patients.size(), total);
  // And nothing in the inbound store waits half-done or failed: every message was committed as
  // processed together with its resources (GET /ingest/messages lists at most 1,000, so the
  // processed ones are counted through their Patients above).
  HttpClient client = gateway.client();
  for (const char* state : {"received", "error"}) {
    const HttpResponse listed = client.get(std::string("/ingest/messages?channel=ssmix2&state=") + state);
    ASSERT_EQ(listed.status, 200) << listed.body;
    EXPECT_EQ(listed.body.find("\"id\""), std::string::npos) << "inbound messages in state " << state << ": " << listed.body.substr(0, 2000);
  }
  std::cout << "[ no-loss  ] " << total << " messages from " << kSenders << " senders, " << kills.load()
            << " SIGKILLs, " << resent << " messages resent after a kill\n";
  EXPECT_EQ(gateway.stop(), 0);
}

}  // namespace
}  // namespace socialrx::testing
