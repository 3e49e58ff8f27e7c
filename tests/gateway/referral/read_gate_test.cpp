// The read gate through the real binary, on SQLite and PostgreSQL (gateway/referral/read_gate.hpp,
// gateway/rest/recipient_reads.hpp): a referral recipient's client reads the SDH information that
// was disclosed to its organization, while the basis holds — and nothing else. Hidden resources
// answer 404 like unknown ids; searches leave them out with totals to match; every read of
// disclosed information is recorded as an AuditEvent. Also the 孤独・孤立対策地域協議会 basis,
// which reaches only the council's recorded members (conf/directory: midori-shakyo).

#include <algorithm>
#include <fstream>
#include <sstream>

#include "tests/gateway/referral/referral_rest_fixture.hpp"

namespace socialrx::testing {
namespace {

class ReadGate : public ReferralRestTest {
 protected:
  // One patient's SDH information, written by the clinic before any referral.
  struct Person {
    std::string patient;      // "Patient/<id>"
    std::string response;     // "QuestionnaireResponse/<id>" (the screening, in progress)
    std::string observation;  // "Observation/<id>"
  };

  Person person(const Patient& where) {
    auto client = clinic();
    Person made;
    HttpResponse patient = client.post("/Patient", patient_json(where));
    EXPECT_EQ(patient.status, 201u) << patient.body;
    made.patient = "Patient/" + std::string(json_of(patient).root().string_at("id"));

    std::ifstream in(std::string(SOCIALRX_SOURCE_DIR) + "/tests/fhir/questionnaire/shipped/valid/05-in-progress-partial.json");
    std::stringstream text;
    text << in.rdbuf();
    std::string body = text.str();
    for (std::size_t at = body.find("Patient/pt-0005"); at != std::string::npos; at = body.find("Patient/pt-0005")) {
      body.replace(at, std::string("Patient/pt-0005").size(), made.patient);
    }
    body.replace(body.find(R"("id": "qr-05-pt-0005",)"), std::string(R"("id": "qr-05-pt-0005",)").size(), "");
    HttpResponse response = client.post("/QuestionnaireResponse", body);
    EXPECT_EQ(response.status, 201u) << response.body;
    made.response = "QuestionnaireResponse/" + std::string(json_of(response).root().string_at("id"));

    HttpResponse observation = client.post(
        "/Observation",
        R"({"resourceType":"Observation","status":"final","category":[{"coding":[{"system":"http://hl7.org/fhir/us/core/CodeSystem/us-core-category","code":"sdoh"}]}],)"
        R"("code":{"text":"孤独感・直接質問"},"subject":{"reference":")" + made.patient +
            R"("},"effectiveDateTime":"2026-11-30T10:00:00+09:00","valueCodeableConcept":{"text":"しばしばある・常にある"}})");
    EXPECT_EQ(observation.status, 201u) << observation.body;
    made.observation = "Observation/" + std::string(json_of(observation).root().string_at("id"));
    return made;
  }

  // A referral of the person's loneliness, citing the screening and the Observation.
  Submitted refer(const Person& who, ReferralSpec spec = {}) {
    spec.patient_reference = who.patient;
    spec.supporting_info = {who.response};
    spec.reason_references = {who.observation};
    return submit(spec);
  }

  // An Observation the center records itself (performer = the center): its own, not disclosed.
  static std::string own_observation(const std::string& patient, const std::string& center, const char* status) {
    return std::string(R"({"resourceType":"Observation","status":")") + status +
           R"(","code":{"text":"通いの場への参加"},"subject":{"reference":")" + patient +
           R"("},"performer":[{"reference":")" + center + R"("}],"valueCodeableConcept":{"text":"週1回参加"}})";
  }

  static unsigned status(FhirClient&& client, const std::string& target) { return client.get(target).status; }
  static unsigned status(FhirClient& client, const std::string& target) { return client.get(target).status; }

  std::string total(FhirClient& client, const std::string& search) {
    const std::string separator = search.find('?') == std::string::npos ? "?" : "&";
    auto bundle = json_of(client.get(search + separator + "_summary=count"));
    const fhir::json::Value* value = bundle.root().find("total");
    return value == nullptr ? "" : std::string(value->text());
  }

  // "Type/id" of every entry of a searchset, in order.
  std::vector<std::string> keys(FhirClient& client, const std::string& search) {
    std::vector<std::string> found;
    auto bundle = json_of(client.get(search));
    if (const fhir::json::Value* entries = bundle.root().find("entry")) {
      for (const fhir::json::Value& entry : entries->items()) {
        const fhir::json::Value* resource = entry.find("resource");
        if (resource == nullptr || resource->string_at("resourceType") == "OperationOutcome") continue;
        found.push_back(std::string(resource->string_at("resourceType")) + "/" + std::string(resource->string_at("id")));
      }
    }
    return found;
  }

  static bool contains(const std::vector<std::string>& keys, const std::string& key) {
    return std::find(keys.begin(), keys.end(), key) != keys.end();
  }

  // The AuditEvents recording reads by the organization (not its disclosure records).
  std::string read_records(const std::string& organization) {
    auto client = admin();
    return fhir::json::serialize(
        json_of(client.get("/AuditEvent?agent=" + organization +
                           "&type=http://terminology.hl7.org/CodeSystem/audit-event-type|rest&_count=100"))
            .root());
  }

  void withdraw(const std::string& consent) {
    auto client = admin();
    auto stored = read(client, consent);
    stored.set_root(stored.with_member(stored.root(), "status", stored.make_string("inactive")));
    auto clinic_client = clinic();
    ASSERT_EQ(clinic_client.put("/" + consent, fhir::json::serialize(stored.root())).status, 200u);
  }
};

const Patient kChuo;                                                   // 70, 中央圏域
const Patient kMinami{"1950-05-01", "999-0121", "みどり市", "南台1-1"};  // 70, 南部圏域

TEST_P(ReadGate, ARecipientReadsWhatWasDisclosedToItAndNothingElse) {
  const Person disclosed = person(kChuo);
  const Person elsewhere = person(kMinami);
  const Person unreferred = person(kChuo);
  const Submitted referral = refer(disclosed);
  refer(elsewhere);  // to the 南部 center
  ASSERT_EQ(downstream_tasks(referral.source_task).size(), 1u);
  const std::string center = organization_id("midori-houkatsu-chuo");

  auto recipient = chuo();
  for (const std::string& key : {disclosed.patient, disclosed.response, disclosed.observation}) {
    EXPECT_EQ(status(recipient, "/" + key), 200u) << key;
  }
  EXPECT_EQ(status(recipient, "/" + disclosed.response + "/_history/1"), 200u);
  EXPECT_EQ(status(recipient, "/" + disclosed.response + "/_history"), 200u);
  // Another patient's: exactly as if it did not exist.
  for (const Person* other : {&elsewhere, &unreferred}) {
    for (const std::string& key : {other->patient, other->response, other->observation}) {
      HttpResponse hidden = recipient.get("/" + key);
      EXPECT_EQ(hidden.status, 404u) << key;
      EXPECT_NE(hidden.body.find(key + " is not known"), std::string::npos) << hidden.body;
    }
    EXPECT_EQ(status(recipient, "/" + other->response + "/_history/1"), 404u);
    EXPECT_EQ(status(recipient, "/" + other->response + "/_history"), 404u);
    EXPECT_EQ(status(recipient, "/" + other->response + "/$extract"), 404u);
  }
  HttpResponse unknown = recipient.get("/QuestionnaireResponse/no-such-id");
  EXPECT_EQ(unknown.status, 404u);

  // Searches show the disclosed resources only, and the totals agree.
  EXPECT_EQ(keys(recipient, "/Observation"), std::vector<std::string>{disclosed.observation});
  EXPECT_EQ(total(recipient, "/Observation"), "1");
  EXPECT_EQ(total(recipient, "/QuestionnaireResponse"), "1");
  EXPECT_EQ(total(recipient, "/Patient"), "1");
  EXPECT_EQ(total(recipient, "/Observation?patient=" + elsewhere.patient), "0");
  EXPECT_EQ(keys(recipient, "/QuestionnaireResponse?_id=" + unreferred.response.substr(22)).size(), 0u);
  auto everyone = admin();
  EXPECT_EQ(total(everyone, "/Observation"), "3");
  EXPECT_EQ(total(everyone, "/Patient"), "3");
  // _include and _revinclude: every ServiceRequest is visible (not SDH), their patients are not.
  const auto requests = keys(recipient, "/ServiceRequest?_include=ServiceRequest:patient&_count=100");
  EXPECT_TRUE(contains(requests, disclosed.patient));
  EXPECT_FALSE(contains(requests, elsewhere.patient));
  const auto revincluded = keys(recipient, "/Patient?_revinclude=Observation:subject");
  EXPECT_EQ(revincluded, (std::vector<std::string>{disclosed.patient, disclosed.observation}));
  // Inside a Bundle an SDH read is refused for every id alike.
  HttpResponse batch = recipient.post(
      "", R"({"resourceType":"Bundle","type":"batch","entry":[{"request":{"method":"GET","url":")" + disclosed.response +
              R"("}}]})");
  ASSERT_EQ(batch.status, 200u) << batch.body;
  EXPECT_NE(batch.body.find("403"), std::string::npos) << batch.body;

  // The clinic (bound to an organization that is no recipient) is not gated.
  auto source = clinic();
  EXPECT_EQ(status(source, "/" + unreferred.response), 200u);
  EXPECT_EQ(total(source, "/Observation"), "3");

  // Each read of disclosed information is recorded: who, what, on which basis.
  const std::string records = read_records(center);
  EXPECT_NE(records.find(disclosed.response), std::string::npos) << records;
  EXPECT_NE(records.find(disclosed.observation), std::string::npos);
  EXPECT_NE(records.find(referral.consent), std::string::npos);
  EXPECT_NE(records.find("search-type"), std::string::npos);
  EXPECT_EQ(records.find(elsewhere.response), std::string::npos);
}

TEST_P(ReadGate, AWithdrawnConsentHidesWhatWasDisclosed) {
  const Person disclosed = person(kChuo);
  const Submitted referral = refer(disclosed);
  auto recipient = chuo();
  ASSERT_EQ(status(recipient, "/" + disclosed.response), 200u);
  ASSERT_EQ(total(recipient, "/Observation"), "1");

  withdraw(referral.consent);
  for (const std::string& key : {disclosed.patient, disclosed.response, disclosed.observation}) {
    EXPECT_EQ(status(recipient, "/" + key), 404u) << key;
  }
  EXPECT_EQ(total(recipient, "/Observation"), "0");
  EXPECT_EQ(total(recipient, "/QuestionnaireResponse"), "0");
  EXPECT_TRUE(keys(recipient, "/Observation").empty());
  // The referral itself stays the recipient's to close.
  EXPECT_EQ(status(recipient, "/" + std::string(downstream_tasks(referral.source_task).front().root().find("focus")->string_at("reference"))), 200u);
}

TEST_P(ReadGate, AStatutoryExceptionKeepsDisclosedInformationReadableWhileItIsRecorded) {
  const Person child = person(Patient{"2018-04-01", "999-0111", "みどり市", "本町3-4"});
  ReferralSpec spec;
  spec.need = "child-rearing";
  spec.consent_status = "";
  spec.exception_basis = "child-welfare-council";
  const Submitted referral = refer(child, spec);
  auto center = kodomo();
  EXPECT_EQ(status(center, "/" + child.response), 200u);
  EXPECT_EQ(status(center, "/" + child.observation), 200u);
  EXPECT_EQ(total(center, "/QuestionnaireResponse"), "1");
  EXPECT_EQ(status(chuo(), "/" + child.response), 404u) << "not disclosed to the 地域包括";

  // The clinic removes the exception from its ServiceRequest: the basis is gone.
  auto client = admin();
  auto request = read(client, referral.source_request);
  request.set_root(request.without_member(request.root(), "extension"));
  auto clinic_client = clinic();
  ASSERT_EQ(clinic_client.put("/" + referral.source_request, fhir::json::serialize(request.root())).status, 200u);
  EXPECT_EQ(status(center, "/" + child.response), 404u);
  EXPECT_EQ(total(center, "/QuestionnaireResponse"), "0");
}

TEST_P(ReadGate, ARecipientKeepsReadingWhatItWroteItself) {
  const Person disclosed = person(kChuo);
  refer(disclosed);
  const std::string center = organization_id("midori-houkatsu-chuo");
  auto recipient = chuo();
  HttpResponse own = recipient.post("/Observation", own_observation(disclosed.patient, center, "final"));
  ASSERT_EQ(own.status, 201u) << own.body;
  const std::string key = "Observation/" + std::string(json_of(own).root().string_at("id"));
  EXPECT_EQ(status(recipient, "/" + key), 200u);
  EXPECT_EQ(total(recipient, "/Observation"), "2");
  EXPECT_EQ(read_records(center).find(key), std::string::npos) << "its own data is no disclosure";
}

TEST_P(ReadGate, ARecipientChangesOnlyItsOwnSdhInformation) {
  const Person disclosed = person(kChuo);
  const Person elsewhere = person(kMinami);
  refer(disclosed);
  const std::string center = organization_id("midori-houkatsu-chuo");
  auto editor = chuo_editor();  // update and delete scopes: only the gate stands in the way
  const auto body_of = [&](FhirClient& client, const std::string& key) {
    return fhir::json::serialize(read(client, key).root());
  };
  auto everyone = admin();
  const std::string disclosed_observation = body_of(everyone, disclosed.observation);
  const std::string hidden_observation = body_of(everyone, elsewhere.observation);

  // Disclosed: read, not changed. Hidden, or not there at all: 404 alike.
  EXPECT_EQ(editor.put("/" + disclosed.observation, disclosed_observation).status, 403u);
  EXPECT_EQ(editor.del("/" + disclosed.observation).status, 403u);
  HttpResponse hidden = editor.put("/" + elsewhere.observation, hidden_observation);
  EXPECT_EQ(hidden.status, 404u) << hidden.body;
  EXPECT_NE(hidden.body.find(elsewhere.observation + " is not known"), std::string::npos) << hidden.body;
  EXPECT_EQ(editor.del("/" + elsewhere.observation).status, 404u);
  std::string made_up = hidden_observation;
  const std::string hidden_id = elsewhere.observation.substr(std::string("Observation/").size());
  made_up.replace(made_up.find(hidden_id), hidden_id.size(), "made-up-0001");
  EXPECT_EQ(editor.put("/Observation/made-up-0001", made_up).status, 404u);  // no update-as-create
  // Conditional writes would say whether a match exists: refused for any criteria.
  EXPECT_EQ(editor.post("/Observation", hidden_observation, {{"If-None-Exist", "patient=" + elsewhere.patient}}).status,
            403u);
  EXPECT_EQ(editor.put("/Observation?patient=" + elsewhere.patient, hidden_observation).status, 403u);
  HttpResponse batch = editor.post(
      "", R"({"resourceType":"Bundle","type":"batch","entry":[{"request":{"method":"DELETE","url":")" +
              elsewhere.observation + R"("}}]})");
  ASSERT_EQ(batch.status, 200u) << batch.body;
  EXPECT_NE(batch.body.find("403"), std::string::npos) << batch.body;
  EXPECT_EQ(read(everyone, disclosed.observation).root().find("meta")->string_at("versionId"), "1");
  EXPECT_EQ(read(everyone, elsewhere.observation).root().find("meta")->string_at("versionId"), "1");
  EXPECT_EQ(status(everyone, "/" + elsewhere.observation), 200u);  // not deleted

  // Its own: created, changed and deleted.
  HttpResponse own = editor.post("/Observation", own_observation(disclosed.patient, center, "preliminary"));
  ASSERT_EQ(own.status, 201u) << own.body;
  const std::string key = "Observation/" + std::string(json_of(own).root().string_at("id"));
  auto changed = json_of(own);
  changed.set_root(changed.with_member(changed.root(), "status", changed.make_string("final")));
  EXPECT_EQ(editor.put("/" + key, fhir::json::serialize(changed.root())).status, 200u);
  EXPECT_EQ(editor.del("/" + key).status, 204u);

  // The clinic is not gated.
  auto source = clinic();
  EXPECT_EQ(source.put("/" + elsewhere.observation, hidden_observation).status, 200u);
}

TEST_P(ReadGate, AnIsolationCouncilMemberGetsTheReferralAndANonMemberDoesNot) {
  // No consent; the clinic relies on the 孤独・孤立対策地域協議会. The 中央 center ranks first but is
  // no recorded member; the 社会福祉協議会 is (conf/directory/demo-directory.csv).
  const Person lonely = person(kChuo);
  ReferralSpec spec;
  spec.consent_status = "";
  spec.exception_basis = "isolation-council";
  spec.exception_statute = "孤独・孤立対策推進法第15条・第16条";
  const Submitted referral = refer(lonely, spec);
  auto tasks = downstream_tasks(referral.source_task);
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(owner_of(tasks.front()), organization_id("midori-shakyo"));
  auto client = admin();
  const std::string audit =
      fhir::json::serialize(json_of(client.get("/AuditEvent?entity=" + referral.source_request)).root());
  EXPECT_NE(audit.find("isolation-council"), std::string::npos) << audit;
  const std::string note(read(client, referral.source_task).root().find("note")->items().back().string_at("text"));
  EXPECT_NE(note.find("同意の範囲により"), std::string::npos) << note;
  // The member reads what was disclosed to it on that basis; the non-member reads nothing.
  EXPECT_EQ(status(shakyo(), "/" + lonely.response), 200u);
  EXPECT_EQ(status(chuo(), "/" + lonely.response), 404u);

  // Why the first-ranked center was passed over.
  EXPECT_NE(note.find("構成員として記録されていない"), std::string::npos) << note;

  // The 社協 leaves the council (the directory no longer lists the membership): what it was given on
  // that basis closes, and a new referral on it finds no member and waits for consent.
  const std::string member = organization_id("midori-shakyo");
  auto organization = read(client, member);
  organization.set_root(organization.without_member(organization.root(), "extension"));
  ASSERT_EQ(client.put("/" + member, fhir::json::serialize(organization.root())).status, 200u);
  EXPECT_EQ(status(shakyo(), "/" + lonely.response), 404u);
  const Person another = person(kChuo);
  const Submitted waiting = refer(another, spec);
  EXPECT_EQ(status_of(waiting.source_task), "on-hold");
  EXPECT_TRUE(downstream_tasks(waiting.source_task).empty());
}

SOCIALRX_REST_BACKENDS(ReadGate);

}  // namespace
}  // namespace socialrx::testing
