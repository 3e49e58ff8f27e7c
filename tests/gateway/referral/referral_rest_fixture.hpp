#pragma once
// The referral workflow through the real binary (authentication on, the demo directory imported,
// clients bound to their organizations: a clinic, and the recipients 中央地域包括支援センター,
// こども家庭センター and 社会福祉協議会), with helpers to submit referrals and follow their Tasks.
// Every response body is also checked with HL7's R4 JSON schema (RestTest).

#include <optional>

#include "tests/gateway/referral/referral_test_support.hpp"
#include "tests/gateway/rest/rest_test_support.hpp"
#include "tests/gateway/run_binary.hpp"

namespace socialrx::testing {

constexpr const char* kClinicToken = "clinic-token-0123456789";
constexpr const char* kChuoToken = "houkatsu-chuo-token-0123456789";
// The same center's client with update and delete scopes on the SDH types (the write gate).
constexpr const char* kChuoEditorToken = "houkatsu-chuo-editor-token-0123456789";
constexpr const char* kKodomoToken = "kodomo-katei-token-0123456789";
constexpr const char* kShakyoToken = "shakyo-token-0123456789";
class ReferralRestTest : public RestTest {
 protected:
  std::string extra_clients() const override {
    const auto client = [](const char* id, const char* token, const std::string& organization,
                           const char* scopes) {
      return std::string("    {\"id\": \"") + id + "\", \"token_sha256\": \"" + gateway::rest::sha256_hex(token) +
             "\", \"organization\": \"" + organization + "\", \"scopes\": [" + scopes + "]},\n";
    };
    const char* recipient_scopes =
        R"("system/Task.rsu", "system/ServiceRequest.rs", "system/Patient.rs", "system/Procedure.cru",)"
        R"( "system/QuestionnaireResponse.rs", "system/Observation.crs", "system/Condition.rs")";
    return client("clinic", kClinicToken, kClinicIdentifier, R"("system/*.cruds")") +
           client("houkatsu-chuo", kChuoToken, std::string(kDirectoryOrganization) + "midori-houkatsu-chuo",
                  recipient_scopes) +
           client("houkatsu-chuo-editor", kChuoEditorToken,
                  std::string(kDirectoryOrganization) + "midori-houkatsu-chuo",
                  R"("system/Observation.cruds", "system/QuestionnaireResponse.cruds", "system/Patient.cruds")") +
           client("kodomo-katei", kKodomoToken, std::string(kDirectoryOrganization) + "midori-kodomo-katei",
                  recipient_scopes) +
           client("shakyo", kShakyoToken, std::string(kDirectoryOrganization) + "midori-shakyo", recipient_scopes);
  }

  // The demo town's directory, imported by the real binary into the store the server will use.
  void before_start(const std::filesystem::path& config, const std::filesystem::path& data_dir) override {
    const RunResult imported = run_socialrx(
        {"directory", "import", std::string(SOCIALRX_SOURCE_DIR) + "/conf/directory/demo-directory.csv", "--config",
         config.string(), "--data", data_dir.string()});
    ASSERT_EQ(imported.exit_code, 0) << imported.err;
  }

  FhirClient clinic() { return client_with(kClinicToken); }
  FhirClient chuo() { return client_with(kChuoToken); }
  FhirClient chuo_editor() { return client_with(kChuoEditorToken); }
  FhirClient kodomo() { return client_with(kKodomoToken); }
  FhirClient shakyo() { return client_with(kShakyoToken); }

  void SetUp() override {
    RestTest::SetUp();
    auto client = clinic();
    HttpResponse created = client.post(
        "/Organization",
        R"({"resourceType":"Organization","name":"みどりクリニック","identifier":[{"system":"http://jpfhir.jp/fhir/core/IdSystem/insurance-medical-institution-no","value":"9910000001"}]})");
    ASSERT_EQ(created.status, 201u) << created.body;
  }

  struct Submitted {
    std::string source_task;     // "Task/<id>"
    std::string source_request;  // "ServiceRequest/<id>"
    std::string consent;         // "Consent/<id>" or empty
  };

  Submitted submit(const ReferralSpec& spec) {
    auto client = clinic();
    HttpResponse response = client.post("", referral_bundle(spec));
    EXPECT_EQ(response.status, 200u) << response.body;
    Submitted made;
    auto document = json_of(response);
    const fhir::json::Value* entries = document.root().find("entry");
    if (entries == nullptr) return made;
    for (const fhir::json::Value& entry : entries->items()) {
      const std::string key = key_of_location(entry.find("response")->string_at("location"));
      if (key.starts_with("Task/")) made.source_task = key;
      if (key.starts_with("ServiceRequest/")) made.source_request = key;
      if (key.starts_with("Consent/")) made.consent = key;
    }
    return made;
  }

  fhir::json::Document read(FhirClient& client, const std::string& key) {
    HttpResponse response = client.get("/" + key);
    EXPECT_EQ(response.status, 200u) << key << ": " << response.body;
    return json_of(response);
  }

  // The downstream Tasks of a source Task, newest first.
  std::vector<fhir::json::Document> downstream_tasks(const std::string& source_task) {
    auto client = admin();
    auto bundle = json_of(client.get("/Task?part-of=" + source_task + "&_sort=-_lastUpdated"));
    std::vector<fhir::json::Document> tasks;
    if (const fhir::json::Value* entries = bundle.root().find("entry")) {
      for (const fhir::json::Value& entry : entries->items()) {
        fhir::json::Document task;
        task.set_root(task.copy(*entry.find("resource")));
        tasks.push_back(std::move(task));
      }
    }
    return tasks;
  }

  // PUT of the Task with another status (and statusReason text, businessStatus, output).
  HttpResponse set_status(FhirClient& client, const fhir::json::Document& task, const std::string& status,
                          const std::string& reason = {}, const std::string& extra_member = {},
                          const std::string& extra_json = {}) {
    fhir::json::Document next;
    fhir::json::Value root = next.copy(task.root());
    root = next.with_member(root, "status", next.make_string(status));
    if (!reason.empty()) {
      auto parsed = fhir::json::parse(R"({"text":")" + reason + R"("})");
      root = next.with_member(root, "statusReason", next.copy(parsed.document->root()));
    }
    if (!extra_member.empty()) {
      auto parsed = fhir::json::parse(extra_json);
      root = next.with_member(root, extra_member, next.copy(parsed.document->root()));
    }
    next.set_root(root);
    return client.put("/Task/" + std::string(task.root().string_at("id")), fhir::json::serialize(next.root()));
  }

  std::string status_of(const std::string& key) {
    auto client = admin();
    return std::string(read(client, key).root().string_at("status"));
  }
  std::string business_status_of(const fhir::json::Document& task) {
    const fhir::json::Value* business = task.root().find("businessStatus");
    if (business == nullptr) return {};
    return std::string(business->find("coding")->items()[0].string_at("code"));
  }
  std::string owner_of(const fhir::json::Document& task) {
    return std::string(task.root().find("owner")->string_at("reference"));
  }
  std::string organization_id(const std::string& directory_id) {
    auto client = admin();
    auto bundle = json_of(client.get(std::string("/Organization?identifier=") + kDirectoryOrganization + directory_id));
    return "Organization/" + std::string(bundle.root().find("entry")->items()[0].find("resource")->string_at("id"));
  }
};

}  // namespace socialrx::testing
