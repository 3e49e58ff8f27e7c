// The closed-loop referral through the real binary, on SQLite and PostgreSQL, with authentication
// on and clients bound to their organizations (issue #5, parts 2–4): a clinic submits
// ServiceRequest + Task in one transaction; socialrx checks the consent gate, routes over the demo
// directory (conf/directory) with the shipped rules (conf/routing), and creates the downstream
// ServiceRequest and Task; the recipient works through the API and every status it sets reaches
// the clinic's Task. Every response body is also checked with HL7's R4 JSON schema (RestTest).

#include "tests/gateway/referral/referral_rest_fixture.hpp"

namespace socialrx::testing {
namespace {

class ReferralWorkflow : public ReferralRestTest {};

TEST_P(ReferralWorkflow, AReferralIsRoutedAcceptedWorkedOnAndCompletedBackToTheClinic) {
  const Submitted referral = submit(ReferralSpec{});
  ASSERT_FALSE(referral.source_task.empty());
  auto client = admin();
  auto source = read(client, referral.source_task);
  EXPECT_EQ(source.root().string_at("status"), "requested");
  EXPECT_EQ(business_status_of(source), "routed");
  // The decision is explained on the Task: the rule, the candidates, the choice.
  const std::string note(source.root().find("note")->items().back().string_at("text"));
  EXPECT_NE(note.find("elderly-isolation"), std::string::npos) << note;
  EXPECT_NE(note.find("みどり市中央地域包括支援センター"), std::string::npos) << note;

  auto downstream = downstream_tasks(referral.source_task);
  ASSERT_EQ(downstream.size(), 1u);
  fhir::json::Document task = std::move(downstream.front());
  EXPECT_EQ(owner_of(task), organization_id("midori-houkatsu-chuo"));
  EXPECT_EQ(task.root().string_at("status"), "requested");
  // Its ServiceRequest is the platform's filler-order, based on the clinic's.
  auto request = read(client, std::string(task.root().find("focus")->string_at("reference")));
  EXPECT_EQ(request.root().string_at("intent"), "filler-order");
  EXPECT_EQ(request.root().find("basedOn")->items()[0].string_at("reference"), referral.source_request);
  EXPECT_EQ(request.root().find("performer")->items()[0].string_at("reference"), owner_of(task));
  // The disclosure is recorded: to whom, what (the patient), on which basis (the Consent).
  auto audit = json_of(client.get("/AuditEvent?entity=" + referral.consent));
  ASSERT_NE(audit.root().find("entry"), nullptr) << fhir::json::serialize(audit.root());
  const std::string event = fhir::json::serialize(audit.root());
  EXPECT_NE(event.find(owner_of(task)), std::string::npos);
  EXPECT_NE(event.find("110106"), std::string::npos);

  // The recipient (a light one) finds its work by polling, and works through the API.
  auto recipient = chuo();
  auto inbox = json_of(recipient.get("/Task?owner=" + owner_of(task) + "&status=requested"));
  ASSERT_NE(inbox.root().find("entry"), nullptr);
  HttpResponse accepted = set_status(recipient, task, "accepted");
  ASSERT_EQ(accepted.status, 200u) << accepted.body;
  EXPECT_EQ(status_of(referral.source_task), "accepted");
  task = json_of(accepted);
  HttpResponse working = set_status(recipient, task, "in-progress", {}, "businessStatus",
                                    R"({"coding":[{"system":"https://socialrx.jp/fhir/CodeSystem/referral-business-status","code":"support-started"}]})");
  ASSERT_EQ(working.status, 200u) << working.body;
  source = read(client, referral.source_task);
  EXPECT_EQ(source.root().string_at("status"), "in-progress");
  EXPECT_EQ(business_status_of(source), "support-started");
  task = json_of(working);

  const std::string patient(task.root().find("for")->string_at("reference"));
  HttpResponse procedure = recipient.post(
      "/Procedure", R"({"resourceType":"Procedure","status":"completed","code":{"text":"サロンへの参加支援"},"subject":{"reference":")" +
                        patient + R"("}})");
  ASSERT_EQ(procedure.status, 201u) << procedure.body;
  const std::string procedure_key = "Procedure/" + std::string(json_of(procedure).root().string_at("id"));
  HttpResponse completed = set_status(
      recipient, task, "completed", {}, "output",
      R"([{"type":{"coding":[{"system":"http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes","code":"resulting-activity"}]},"valueReference":{"reference":")" +
          procedure_key + R"("}}])");
  ASSERT_EQ(completed.status, 200u) << completed.body;
  // The loop is closed: the clinic's Task is completed and names the Procedure.
  source = read(client, referral.source_task);
  EXPECT_EQ(source.root().string_at("status"), "completed");
  EXPECT_NE(fhir::json::serialize(source.root()).find(procedure_key), std::string::npos);
}

TEST_P(ReferralWorkflow, ARejectionForCapacityGoesToTheNextCandidate) {
  const Submitted referral = submit(ReferralSpec{});
  auto first = downstream_tasks(referral.source_task);
  ASSERT_EQ(first.size(), 1u);
  auto recipient = chuo();
  HttpResponse rejected = set_status(recipient, first.front(), "rejected", "定員に達しています");
  ASSERT_EQ(rejected.status, 200u) << rejected.body;

  auto tasks = downstream_tasks(referral.source_task);
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_EQ(tasks.front().root().string_at("status"), "requested");
  EXPECT_NE(owner_of(tasks.front()), owner_of(first.front()));
  auto client = admin();
  auto source = read(client, referral.source_task);
  EXPECT_EQ(source.root().string_at("status"), "requested");
  EXPECT_EQ(business_status_of(source), "rerouted");
  const std::string note(source.root().find("note")->items().back().string_at("text"));
  EXPECT_NE(note.find("定員に達しています"), std::string::npos) << note;
}

TEST_P(ReferralWorkflow, WithoutConsentTheReferralWaitsAndTheConsentReleasesIt) {
  ReferralSpec spec;
  spec.consent_status = "proposed";  // cited by the ServiceRequest, but not yet agreed
  const Submitted referral = submit(spec);
  auto client = admin();
  auto source = read(client, referral.source_task);
  EXPECT_EQ(source.root().string_at("status"), "on-hold");
  EXPECT_EQ(business_status_of(source), "consent-required");
  EXPECT_FALSE(source.root().find("statusReason")->string_at("text").empty());
  EXPECT_TRUE(downstream_tasks(referral.source_task).empty()) << "nothing is disclosed without consent";
  EXPECT_EQ(json_of(client.get("/AuditEvent?entity=" + referral.source_request)).root().find("entry"), nullptr);

  // The patient agrees: the clinic records it, and the waiting referral goes out.
  auto consent = read(client, referral.consent);
  consent.set_root(consent.with_member(consent.root(), "status", consent.make_string("active")));
  auto clinic_client = clinic();
  HttpResponse agreed = clinic_client.put("/" + referral.consent, fhir::json::serialize(consent.root()));
  ASSERT_EQ(agreed.status, 200u) << agreed.body;
  auto tasks = downstream_tasks(referral.source_task);
  ASSERT_EQ(tasks.size(), 1u);
  source = read(client, referral.source_task);
  EXPECT_EQ(source.root().string_at("status"), "in-progress");
  EXPECT_EQ(business_status_of(source), "routed");

  // Withdrawn again: the recipient hears of it on its Task.
  consent = read(client, referral.consent);
  consent.set_root(consent.with_member(consent.root(), "status", consent.make_string("inactive")));
  ASSERT_EQ(clinic_client.put("/" + referral.consent, fhir::json::serialize(consent.root())).status, 200u);
  EXPECT_EQ(business_status_of(downstream_tasks(referral.source_task).front()), "consent-withdrawn");
}

TEST_P(ReferralWorkflow, AChildWelfareExceptionReachesTheKodomoKateiCenterWithoutConsent) {
  ReferralSpec spec;
  spec.patient.birth_date = "2018-04-01";
  spec.need = "child-rearing";
  spec.consent_status = "";
  spec.exception_basis = "child-welfare-council";
  const Submitted referral = submit(spec);
  auto tasks = downstream_tasks(referral.source_task);
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(owner_of(tasks.front()), organization_id("midori-kodomo-katei"));
  // The audit record names the statutory basis.
  auto client = admin();
  const std::string audit = fhir::json::serialize(json_of(client.get("/AuditEvent?entity=" + referral.source_request)).root());
  EXPECT_NE(audit.find("child-welfare-council"), std::string::npos) << audit;
  // The kodomo-katei center works on its own Task.
  auto center = kodomo();
  EXPECT_EQ(set_status(center, tasks.front(), "accepted").status, 200u);
  EXPECT_EQ(status_of(referral.source_task), "accepted");
}

TEST_P(ReferralWorkflow, AnExceptionThatDoesNotCoverTheRecipientIsNoConsent) {
  // A 70-year-old's loneliness goes to a 地域包括支援センター, which the child-welfare council
  // basis does not cover: the referral waits for consent.
  ReferralSpec spec;
  spec.consent_status = "";
  spec.exception_basis = "child-welfare-council";
  const Submitted referral = submit(spec);
  EXPECT_EQ(status_of(referral.source_task), "on-hold");
  EXPECT_TRUE(downstream_tasks(referral.source_task).empty());
}

TEST_P(ReferralWorkflow, ACancelFromTheClinicCancelsDownstream) {
  const Submitted referral = submit(ReferralSpec{});
  auto client = admin();
  auto source = read(client, referral.source_task);
  auto clinic_client = clinic();
  HttpResponse cancelled = set_status(clinic_client, source, "cancelled", "本人が辞退しました");
  ASSERT_EQ(cancelled.status, 200u) << cancelled.body;
  auto tasks = downstream_tasks(referral.source_task);
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks.front().root().string_at("status"), "cancelled");
  EXPECT_NE(tasks.front().root().find("statusReason")->string_at("text").find("本人が辞退しました"), std::string::npos);
  auto request = read(client, std::string(tasks.front().root().find("focus")->string_at("reference")));
  EXPECT_EQ(request.root().string_at("status"), "revoked");
}

TEST_P(ReferralWorkflow, OutsideEveryCoverageAreaTheReferralWaitsForARecipient) {
  ReferralSpec spec;
  spec.patient = Patient{"1950-05-01", "100-0001", "千代田区", "千代田1-1"};
  const Submitted referral = submit(spec);
  auto client = admin();
  auto source = read(client, referral.source_task);
  EXPECT_EQ(source.root().string_at("status"), "on-hold");
  EXPECT_EQ(business_status_of(source), "no-recipient");
  EXPECT_TRUE(downstream_tasks(referral.source_task).empty());
}

TEST_P(ReferralWorkflow, EachPartySetsOnlyWhatItsRoleAllows) {
  const Submitted referral = submit(ReferralSpec{});
  auto tasks = downstream_tasks(referral.source_task);
  ASSERT_EQ(tasks.size(), 1u);
  auto client = admin();
  auto source = read(client, referral.source_task);
  auto recipient = chuo();
  auto clinic_client = clinic();
  auto center = kodomo();

  // The recipient cannot touch the clinic's Task, nor a stranger another center's.
  HttpResponse not_its_own = set_status(recipient, source, "cancelled", "x");
  EXPECT_EQ(not_its_own.status, 403u) << not_its_own.body;
  EXPECT_EQ(set_status(center, tasks.front(), "accepted").status, 403u);
  // The requester does not accept on the recipient's behalf.
  HttpResponse requester_accepts = set_status(clinic_client, tasks.front(), "accepted");
  EXPECT_EQ(requester_accepts.status, 409u) << requester_accepts.body;
  // The table: a requested Task is not completed in one step.
  HttpResponse skipped = set_status(recipient, tasks.front(), "completed");
  EXPECT_EQ(skipped.status, 409u) << skipped.body;
  EXPECT_NE(skipped.body.find("Task.status"), std::string::npos) << skipped.body;
  // A rejection needs its reason.
  HttpResponse no_reason = set_status(recipient, tasks.front(), "rejected");
  EXPECT_EQ(no_reason.status, 422u) << no_reason.body;
  // Nothing of that changed anything.
  EXPECT_EQ(status_of(referral.source_task), "requested");
  EXPECT_EQ(downstream_tasks(referral.source_task).size(), 1u);
}

TEST_P(ReferralWorkflow, AReferralWithoutANeedDomainIsRefusedWhole) {
  std::string bundle = referral_bundle(ReferralSpec{});
  const std::string need = R"(,{"coding":[{"system":"https://socialrx.jp/fhir/CodeSystem/sdh-domain","code":"loneliness"}]})";
  bundle.erase(bundle.find(need), need.size());
  auto client = clinic();
  HttpResponse refused = client.post("", bundle);
  EXPECT_EQ(refused.status, 422u) << refused.body;
  EXPECT_NE(refused.body.find("ServiceRequest.category"), std::string::npos) << refused.body;
  EXPECT_EQ(json_of(admin().get("/Task?_summary=count")).root().find("total")->text(), "0");
}

SOCIALRX_REST_BACKENDS(ReferralWorkflow);

}  // namespace
}  // namespace socialrx::testing
