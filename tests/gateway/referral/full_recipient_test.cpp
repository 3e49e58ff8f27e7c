// Two socialrx processes on 127.0.0.1 (issue #5 part 5): the hub routes a referral to a "full"
// recipient — a 地域包括支援センター with its own FHIR server, here a second socialrx — and pushes
// it there through the outbox; the recipient's staff work on the Task on their own server; the hub
// reads their changes back and the clinic's Task follows, up to completed with the Procedure
// visible at the hub. The recipient is down when the referral is made and comes back: nothing is
// lost. Authentication is on in both; every client is bound to its organization.

#include <cstdlib>
#include <fstream>
#include <functional>

#include "tests/gateway/referral/referral_test_support.hpp"
#include "tests/gateway/rest/rest_test_support.hpp"
#include "tests/gateway/run_binary.hpp"

namespace socialrx::testing {
namespace {

constexpr const char* kClinicToken = "clinic-token-0123456789";
constexpr const char* kHubToken = "hub-at-recipient-token-0123456789";      // the hub's key at the recipient
constexpr const char* kStaffToken = "houkatsu-kita-staff-token-0123456789";  // the center's own staff
constexpr const char* kHubTokenVariable = "SOCIALRX_TEST_HUB_TOKEN";
constexpr const char* kDemoEndpoint = "https://houkatsu-kita.midori.example/fhir";

std::string client_entry(const char* id, const char* token, const std::string& organization, const char* scopes) {
  return std::string("{\"id\": \"") + id + "\", \"token_sha256\": \"" + gateway::rest::sha256_hex(token) + "\"" +
         (organization.empty() ? std::string() : ", \"organization\": \"" + organization + "\"") +
         ", \"scopes\": [" + scopes + "]}";
}

std::filesystem::path write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

bool eventually(const std::function<bool()>& condition, std::chrono::seconds limit = std::chrono::seconds(30)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return condition();
}

class FullRecipient : public ::testing::Test {
 protected:
  void SetUp() override {
    // The recipient: its own socialrx, where the hub and the center's staff are clients.
    GatewayProcessOptions recipient_options;
    recipient_options.dev = false;
    recipient_ = std::make_unique<GatewayProcess>(recipient_options);
    const auto recipient_config = write_file(
        recipient_->work_dir() / "recipient.jsonc",
        "{\"storage\": {\"backend\": \"sqlite\"}, \"auth\": {\"clients\": [" +
            client_entry("hub", kHubToken, "", R"("system/*.cruds")") + ", " +
            client_entry("kita-staff", kStaffToken, std::string(kDirectoryOrganization) + "midori-houkatsu-kita",
                         R"("system/Task.rsu", "system/ServiceRequest.rs", "system/Patient.r", "system/Procedure.cru")") +
            "]}}");
    recipient_->options().extra_args = {"--config", recipient_config.string()};
    recipient_->start();
    bodies_path_ = recipient_->work_dir() / "response-bodies.ndjson";
    bodies_.open(bodies_path_);
    const std::string recipient_base = "http://127.0.0.1:" + std::to_string(recipient_->port()) + "/fhir";

    // The hub: the demo directory, with the 北部地域包括支援センター's endpoint at the recipient.
    GatewayProcessOptions hub_options;
    hub_options.dev = false;
    hub_ = std::make_unique<GatewayProcess>(hub_options);
    std::string directory = slurp(std::filesystem::path(SOCIALRX_SOURCE_DIR) / "conf/directory/demo-directory.csv");
    directory.replace(directory.find(kDemoEndpoint), std::string_view(kDemoEndpoint).size(), recipient_base);
    const auto directory_file = write_file(hub_->work_dir() / "directory.csv", directory);
    const auto hub_config = write_file(
        hub_->work_dir() / "hub.jsonc",
        "{\"storage\": {\"backend\": \"sqlite\"},\n"
        " \"referral\": {\"poll_interval_ms\": 300},\n"
        " \"outbox\": {\"base_delay_ms\": 200, \"max_delay_ms\": 1000, \"poll_interval_ms\": 200,"
        " \"destinations\": [{\"url_prefix\": \"" + recipient_base + "\", \"bearer_token_env\": \"" +
            kHubTokenVariable + "\"}]},\n"
        " \"auth\": {\"clients\": [" +
            client_entry("clinic", kClinicToken, kClinicIdentifier, R"("system/*.cruds")") + "]}}");
    ::setenv(kHubTokenVariable, kHubToken, 1);  // the hub process inherits it
    const RunResult imported = run_socialrx({"directory", "import", directory_file.string(), "--config",
                                             hub_config.string(), "--data", hub_->data_dir().string()});
    ASSERT_EQ(imported.exit_code, 0) << imported.err;
    hub_->options().extra_args = {"--config", hub_config.string()};
    hub_->start();
    auto clinic = hub_client(kClinicToken);
    ASSERT_EQ(clinic.post("/Organization",
                          R"({"resourceType":"Organization","name":"みどりクリニック","identifier":[{"system":"http://jpfhir.jp/fhir/core/IdSystem/insurance-medical-institution-no","value":"9910000001"}]})")
                  .status,
              201u);
  }

  void TearDown() override {
    bodies_.close();
    if (!::testing::Test::HasFailure()) expect_bodies_pass_r4_schema(bodies_path_);
    if (hub_ && hub_->running()) {
      EXPECT_EQ(hub_->stop(), 0) << hub_->stderr_text();
    }
    if (recipient_ && recipient_->running()) {
      EXPECT_EQ(recipient_->stop(), 0) << recipient_->stderr_text();
    }
  }

  // Every body either server answers is kept for HL7's schema check at the end.
  FhirClient hub_client(const char* token) { return FhirClient(*hub_, token, &bodies_); }
  FhirClient recipient_client(const char* token) { return FhirClient(*recipient_, token, &bodies_); }

  std::string hub_status(const std::string& key) {
    auto clinic = hub_client(kClinicToken);
    HttpResponse response = clinic.get("/" + key);
    return response.status == 200 ? std::string(json_of(response).root().string_at("status")) : "";
  }

  // The one Task the center's staff see on their own server, once it has arrived.
  std::optional<fhir::json::Document> staff_task() {
    auto staff = recipient_client(kStaffToken);
    HttpResponse response = staff.get("/Task");
    if (response.status != 200) return std::nullopt;
    auto bundle = json_of(response);
    const fhir::json::Value* entries = bundle.root().find("entry");
    if (entries == nullptr || entries->items().empty()) return std::nullopt;
    fhir::json::Document task;
    task.set_root(task.copy(*entries->items()[0].find("resource")));
    return task;
  }

  HttpResponse staff_sets(const fhir::json::Document& task, const std::string& status,
                          const std::string& member = {}, const std::string& json = {}) {
    fhir::json::Document next;
    fhir::json::Value root = next.with_member(next.copy(task.root()), "status", next.make_string(status));
    if (!member.empty()) root = next.with_member(root, member, next.copy(fhir::json::parse(json).document->root()));
    auto staff = recipient_client(kStaffToken);
    return staff.put("/Task/" + std::string(task.root().string_at("id")), fhir::json::serialize(root));
  }

  std::unique_ptr<GatewayProcess> recipient_;
  std::unique_ptr<GatewayProcess> hub_;
  std::filesystem::path bodies_path_;
  std::ofstream bodies_;
};

TEST_F(FullRecipient, TheReferralReachesTheRecipientsServerAndItsWorkComesBackToTheClinic) {
  // The recipient is down when the clinic refers: the push waits in the outbox.
  ASSERT_EQ(recipient_->stop(), 0);
  ReferralSpec spec;
  spec.patient = Patient{"1950-05-01", "999-0101", "みどり市", "北山5-6"};  // 北部圏域
  auto clinic = hub_client(kClinicToken);
  HttpResponse submitted = clinic.post("", referral_bundle(spec));
  ASSERT_EQ(submitted.status, 200u) << submitted.body;
  std::string source_task;
  const auto response_bundle = json_of(submitted);
  for (const fhir::json::Value& entry : response_bundle.root().find("entry")->items()) {
    const std::string key = key_of_location(entry.find("response")->string_at("location"));
    if (key.starts_with("Task/")) source_task = key;
  }
  ASSERT_FALSE(source_task.empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(800));  // a few failed attempts
  recipient_->start();

  // Delivered once the recipient is back; the staff see it on their own server.
  ASSERT_TRUE(eventually([&] { return staff_task().has_value(); })) << hub_->stderr_text();
  fhir::json::Document task = *staff_task();
  EXPECT_EQ(task.root().string_at("status"), "requested");
  EXPECT_EQ(std::string(task.root().find("partOf")->items()[0].string_at("reference")), source_task);
  auto hub_reader = hub_client(kClinicToken);
  auto outbox = run_socialrx({"outbox", "list", "--config", (hub_->work_dir() / "hub.jsonc").string(), "--data",
                              hub_->data_dir().string()});
  EXPECT_EQ(outbox.out.find("dead"), std::string::npos) << outbox.out;

  // The staff accept and work on it at their server; the clinic's Task follows.
  HttpResponse accepted = staff_sets(task, "accepted");
  ASSERT_EQ(accepted.status, 200u) << accepted.body;
  EXPECT_TRUE(eventually([&] { return hub_status(source_task) == "accepted"; })) << hub_->stderr_text();
  task = json_of(accepted);
  HttpResponse working = staff_sets(task, "in-progress");
  ASSERT_EQ(working.status, 200u) << working.body;
  EXPECT_TRUE(eventually([&] { return hub_status(source_task) == "in-progress"; }));
  task = json_of(working);

  auto staff = recipient_client(kStaffToken);
  HttpResponse procedure = staff.post(
      "/Procedure", R"({"resourceType":"Procedure","status":"completed","code":{"text":"地域の見守りサロンへの参加支援"},"subject":{"reference":")" +
                        std::string(task.root().find("for")->string_at("reference")) + R"("}})");
  ASSERT_EQ(procedure.status, 201u) << procedure.body;
  const std::string procedure_key = "Procedure/" + std::string(json_of(procedure).root().string_at("id"));
  HttpResponse completed = staff_sets(
      task, "completed", "output",
      R"([{"type":{"coding":[{"system":"http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes","code":"resulting-activity"}]},"valueReference":{"reference":")" +
          procedure_key + R"("}}])");
  ASSERT_EQ(completed.status, 200u) << completed.body;
  EXPECT_TRUE(eventually([&] { return hub_status(source_task) == "completed"; })) << hub_->stderr_text();
  // The clinic sees what was done, at the hub.
  HttpResponse done = hub_reader.get("/" + procedure_key);
  EXPECT_EQ(done.status, 200u) << done.body;
  EXPECT_NE(hub_reader.get("/" + source_task).body.find(procedure_key), std::string::npos);
}

TEST_F(FullRecipient, ACancelFromTheClinicReachesTheRecipientsServer) {
  ReferralSpec spec;
  spec.patient = Patient{"1950-05-01", "999-0101", "みどり市", "北山5-6"};
  auto clinic = hub_client(kClinicToken);
  HttpResponse submitted = clinic.post("", referral_bundle(spec));
  ASSERT_EQ(submitted.status, 200u) << submitted.body;
  ASSERT_TRUE(eventually([&] { return staff_task().has_value(); })) << hub_->stderr_text();
  std::string source_task;
  const auto response_bundle = json_of(submitted);
  for (const fhir::json::Value& entry : response_bundle.root().find("entry")->items()) {
    const std::string key = key_of_location(entry.find("response")->string_at("location"));
    if (key.starts_with("Task/")) source_task = key;
  }
  auto source = json_of(clinic.get("/" + source_task));
  fhir::json::Document cancel;
  fhir::json::Value root = cancel.with_member(cancel.copy(source.root()), "status", cancel.make_string("cancelled"));
  root = cancel.with_member(root, "statusReason", cancel.copy(fhir::json::parse(R"({"text":"本人が辞退"})").document->root()));
  ASSERT_EQ(clinic.put("/" + source_task, fhir::json::serialize(root)).status, 200u);
  EXPECT_TRUE(eventually([&] {
    auto task = staff_task();
    return task && task->root().string_at("status") == "cancelled";
  })) << hub_->stderr_text();
}

}  // namespace
}  // namespace socialrx::testing
