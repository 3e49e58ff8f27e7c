// The consent gate: each Consent case (for the organization, for the kind, for anyone, expired,
// not yet in force, another purpose, a nested deny, withdrawn, rejected, another patient, R4's
// policyRule form, no provision, no Consent at all), the statutory exceptions per recipient kind,
// and the published disclosure-basis CodeSystem against the C++ table. Every resource is a
// fixture that passes fhir/ validation.

#include "gateway/referral/consent_gate.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "tests/gateway/referral/referral_fixture_support.hpp"

namespace socialrx::gateway::referral {
namespace {

using Outcome = ConsentVerdict::Outcome;
using fixtures::at;
using fixtures::fixture;

const std::int64_t kNow = at("2025-12-10T12:00:00+09:00");

const DisclosureRecipient kKodomo{"Organization/kodomo-1", "kodomo-katei"};
const DisclosureRecipient kOtherKodomo{"Organization/kodomo-2", "kodomo-katei"};
const DisclosureRecipient kHoukatsu{"Organization/houkatsu-3", "chiiki-houkatsu"};
const DisclosureRecipient kKonkyu{"Organization/konkyu-1", "seikatsu-konkyu"};
const DisclosureRecipient kShakyo{"Organization/shakyo-1", "shakyo"};
const DisclosureRecipient kKayoi{"Organization/salon-1", "kayoi-no-ba"};
const DisclosureRecipient kNintei{"Organization/city-1", "kaigo-nintei"};

const char* name_of(Outcome outcome) {
  switch (outcome) {
    case Outcome::permitted_by_consent: return "permitted_by_consent";
    case Outcome::permitted_by_exception: return "permitted_by_exception";
    case Outcome::consent_required: return "consent_required";
    case Outcome::consent_withdrawn: return "consent_withdrawn";
    case Outcome::exception_not_applicable: return "exception_not_applicable";
  }
  return "?";
}

// The gate over Consent fixtures (by file name) for the fixture referral (subject Patient/p1).
ConsentVerdict gate(std::initializer_list<std::string_view> consent_files, const DisclosureRecipient& recipient,
                    const fhir::json::Value* service_request = nullptr, std::int64_t now = kNow) {
  std::vector<fhir::json::Document> documents;
  for (std::string_view file : consent_files) documents.push_back(fixture(file));
  std::vector<ConsentInput> inputs;
  for (const auto& document : documents) {
    inputs.push_back({"Consent/" + std::string(document.root().string_at("id")), &document.root()});
  }
  const fhir::json::Document referral = fixture("servicerequest-referral.json");
  return evaluate_disclosure(inputs, service_request != nullptr ? service_request : &referral.root(), recipient, now);
}

void expect_outcome(const ConsentVerdict& verdict, Outcome outcome, std::string_view basis = {}) {
  EXPECT_EQ(verdict.outcome, outcome) << name_of(verdict.outcome) << ": " << verdict.explanation;
  EXPECT_EQ(verdict.basis, basis) << verdict.explanation;
  EXPECT_FALSE(verdict.explanation.empty());
  EXPECT_EQ(verdict.permitted(), outcome == Outcome::permitted_by_consent || outcome == Outcome::permitted_by_exception);
}

// A referral (subject Patient/p1) claiming one exception; validated like every fixture.
fhir::json::Document referral_with_exception(std::string_view basis, std::string_view statute) {
  std::string extension = R"({"url":"https://socialrx.jp/fhir/StructureDefinition/disclosure-exception","extension":[)";
  extension += R"({"url":"basis","valueCoding":{"system":"https://socialrx.jp/fhir/CodeSystem/disclosure-basis","code":")" +
               std::string(basis) + "\"}}";
  if (!statute.empty()) extension += R"(,{"url":"statute","valueString":")" + std::string(statute) + "\"}";
  extension += "]}";
  return fixtures::resource(
      R"({"resourceType":"ServiceRequest","id":"sr-x","status":"active","intent":"order",)"
      R"("category":[{"coding":[{"system":"http://snomed.info/sct","code":"410606002"}]}],)"
      R"("subject":{"reference":"Patient/p1"},"requester":{"reference":"Organization/clinic-1"},)"
      R"("extension":[)" + extension + "]}");
}

TEST(ConsentGateFixtures, EveryFixtureIsAValidResource) {
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(fixtures::fixture_dir())) {
    if (entry.path().extension() != ".json") continue;
    SCOPED_TRACE(entry.path().filename().string());
    fixture(entry.path().filename().string());
    ++files;
  }
  EXPECT_GE(files, 17u);
}

TEST(ConsentGateConsent, ActivePermitForTheOrganization) {
  const ConsentVerdict verdict = gate({"consent-permit-org.json"}, kKodomo);
  expect_outcome(verdict, Outcome::permitted_by_consent, "Consent/consent-org");
  EXPECT_NE(verdict.explanation.find("子ども家庭センター"), std::string::npos) << verdict.explanation;
  // Another organization of the same kind is not named in the Consent.
  expect_outcome(gate({"consent-permit-org.json"}, kOtherKodomo), Outcome::consent_required);
  // An absolute reference to the same Organization matches too.
  const DisclosureRecipient absolute{"https://socialrx.example.jp/fhir/Organization/kodomo-1", "kodomo-katei"};
  expect_outcome(gate({"consent-permit-org.json"}, absolute), Outcome::permitted_by_consent, "Consent/consent-org");
}

TEST(ConsentGateConsent, ActivePermitForTheKind) {
  expect_outcome(gate({"consent-permit-kind.json"}, kHoukatsu), Outcome::permitted_by_consent, "Consent/consent-kind");
  expect_outcome(gate({"consent-permit-kind.json"}, DisclosureRecipient{"Organization/houkatsu-9", "chiiki-houkatsu"}),
                 Outcome::permitted_by_consent, "Consent/consent-kind");
  expect_outcome(gate({"consent-permit-kind.json"}, kShakyo), Outcome::consent_required);
}

TEST(ConsentGateConsent, NoActorMeansAnyRecipient) {
  for (const DisclosureRecipient& recipient : {kKodomo, kHoukatsu, kKonkyu, kShakyo, kKayoi}) {
    expect_outcome(gate({"consent-permit-any.json"}, recipient), Outcome::permitted_by_consent, "Consent/consent-any");
  }
}

TEST(ConsentGateConsent, OutsideThePeriodOrDatedInTheFuture) {
  ConsentVerdict verdict = gate({"consent-expired.json"}, kKodomo);
  expect_outcome(verdict, Outcome::consent_required);
  EXPECT_NE(verdict.explanation.find("期間"), std::string::npos) << verdict.explanation;
  // The same Consent was good while its period lasted.
  expect_outcome(gate({"consent-expired.json"}, kKodomo, nullptr, at("2025-03-31T23:00:00+09:00")),
                 Outcome::permitted_by_consent, "Consent/consent-expired");

  expect_outcome(gate({"consent-future-period.json"}, kKodomo), Outcome::consent_required);
  expect_outcome(gate({"consent-future-period.json"}, kKodomo, nullptr, at("2026-01-01T09:00:00+09:00")),
                 Outcome::permitted_by_consent, "Consent/consent-future-period");

  verdict = gate({"consent-future-date.json"}, kKodomo);
  expect_outcome(verdict, Outcome::consent_required);
  EXPECT_NE(verdict.explanation.find("未来"), std::string::npos) << verdict.explanation;
}

TEST(ConsentGateConsent, PurposeMustCoverCareCoordination) {
  const ConsentVerdict verdict = gate({"consent-wrong-purpose.json"}, kKodomo);
  expect_outcome(verdict, Outcome::consent_required);
  EXPECT_NE(verdict.explanation.find("COC"), std::string::npos) << verdict.explanation;
  // TREAT, the parent of COC in v3-ActReason, covers it.
  expect_outcome(gate({"consent-treat-purpose.json"}, kKodomo), Outcome::permitted_by_consent, "Consent/consent-treat");
}

TEST(ConsentGateConsent, NestedDenyWinsForTheRecipientItNames) {
  ConsentVerdict verdict = gate({"consent-deny-nested.json"}, kKonkyu);
  expect_outcome(verdict, Outcome::consent_required);
  EXPECT_NE(verdict.explanation.find("deny"), std::string::npos) << verdict.explanation;
  expect_outcome(gate({"consent-deny-nested.json"}, kHoukatsu), Outcome::permitted_by_consent,
                 "Consent/consent-deny-konkyu");
  // A deny in one Consent outweighs a permit in another.
  verdict = gate({"consent-permit-any.json", "consent-deny-nested.json"}, kKonkyu);
  expect_outcome(verdict, Outcome::consent_required);
}

TEST(ConsentGateConsent, WithdrawnRejectedOrAbsent) {
  ConsentVerdict verdict = gate({"consent-inactive.json"}, kKodomo);
  expect_outcome(verdict, Outcome::consent_withdrawn, "Consent/consent-withdrawn");
  EXPECT_NE(verdict.explanation.find("撤回"), std::string::npos) << verdict.explanation;
  // A withdrawn consent only counts as withdrawn for what it used to permit.
  expect_outcome(gate({"consent-inactive.json"}, kShakyo), Outcome::consent_required);
  // A newer active permit stands beside a withdrawn one.
  expect_outcome(gate({"consent-inactive.json", "consent-permit-org.json"}, kKodomo), Outcome::permitted_by_consent,
                 "Consent/consent-org");
  // A rejected consent never permitted anything.
  expect_outcome(gate({"consent-rejected.json"}, kKodomo), Outcome::consent_required);
  verdict = gate({}, kKodomo);
  expect_outcome(verdict, Outcome::consent_required);
  EXPECT_NE(verdict.explanation.find("同意"), std::string::npos) << verdict.explanation;
  // No ServiceRequest at all: the Consents alone decide.
  const fhir::json::Document consent = fixture("consent-permit-org.json");
  const ConsentInput input{"consent-org", &consent.root()};
  expect_outcome(evaluate_disclosure({&input, 1}, nullptr, kKodomo, kNow), Outcome::permitted_by_consent,
                 "Consent/consent-org");
}

TEST(ConsentGateConsent, OnlyTheReferredPersonsComputableDisclosureConsentCounts) {
  ConsentVerdict verdict = gate({"consent-other-patient.json"}, kKodomo);
  expect_outcome(verdict, Outcome::consent_required);
  EXPECT_NE(verdict.explanation.find("Patient/p2"), std::string::npos) << verdict.explanation;
  // Gravity's example shape (a scanned form, no provision) does not say what it permits.
  verdict = gate({"consent-no-provision.json"}, kKodomo);
  expect_outcome(verdict, Outcome::consent_required);
  EXPECT_NE(verdict.explanation.find("provision"), std::string::npos) << verdict.explanation;
  // R4's own form: no type on the root rule, base policy OPTIN.
  expect_outcome(gate({"consent-optin-policy.json"}, kKodomo), Outcome::permitted_by_consent, "Consent/consent-optin");
  expect_outcome(gate({"consent-optin-policy.json"}, kShakyo), Outcome::consent_required);
}

TEST(ConsentGateConsent, TheMostRecentPermittingConsentIsTheBasis) {
  expect_outcome(gate({"consent-expired.json", "consent-permit-org.json", "consent-treat-purpose.json"}, kKodomo),
                 Outcome::permitted_by_consent, "Consent/consent-org");
  // The bare id is accepted as well as "Consent/<id>".
  const fhir::json::Document consent = fixture("consent-permit-any.json");
  const ConsentInput input{"", &consent.root()};
  expect_outcome(evaluate_disclosure({&input, 1}, nullptr, kShakyo, kNow), Outcome::permitted_by_consent,
                 "Consent/consent-any");
}

TEST(ConsentGateException, ChildWelfareCouncilForTheChildrensCenter) {
  const fhir::json::Document referral = fixture("servicerequest-exception.json");
  const ConsentVerdict verdict = gate({}, kKodomo, &referral.root());
  expect_outcome(verdict, Outcome::permitted_by_exception, "child-welfare-council");
  EXPECT_NE(verdict.explanation.find("児童福祉法第25条の3"), std::string::npos) << verdict.explanation;
  // Not for a recipient outside the council.
  const ConsentVerdict elsewhere = gate({}, kHoukatsu, &referral.root());
  expect_outcome(elsewhere, Outcome::exception_not_applicable);
  EXPECT_NE(elsewhere.explanation.find("要保護児童対策地域協議会"), std::string::npos) << elsewhere.explanation;
  // ...unless it is a recorded member.
  const DisclosureRecipient member{"Organization/houkatsu-3", "chiiki-houkatsu", {"child-welfare-council"}};
  expect_outcome(gate({}, member, &referral.root()), Outcome::permitted_by_exception, "child-welfare-council");
}

TEST(ConsentGateException, PublicHealthAndChildWelfareOnlyForTheChildrensCenter) {
  const auto referral = referral_with_exception("public-health-child-welfare", "個人情報保護法第27条第1項第3号");
  expect_outcome(gate({}, kKodomo, &referral.root()), Outcome::permitted_by_exception, "public-health-child-welfare");
  for (const DisclosureRecipient& recipient : {kHoukatsu, kKonkyu, kShakyo, kKayoi, kNintei}) {
    const ConsentVerdict verdict = gate({}, recipient, &referral.root());
    expect_outcome(verdict, Outcome::exception_not_applicable);
    EXPECT_NE(verdict.explanation.find("使えない"), std::string::npos) << verdict.explanation;
  }
}

// Every basis × every recipient kind, against the table in gateway/referral/README.md.
TEST(ConsentGateException, EachBasisForEachKind) {
  const std::map<std::string_view, std::set<std::string_view>> expected{
      {"required-by-law", {"chiiki-houkatsu", "kodomo-katei", "seikatsu-konkyu", "shakyo", "kaigo-nintei"}},
      {"life-body-property", {"chiiki-houkatsu", "kodomo-katei", "seikatsu-konkyu", "shakyo"}},
      {"public-health-child-welfare", {"kodomo-katei"}},
      {"public-body-cooperation", {"chiiki-houkatsu", "kodomo-katei", "seikatsu-konkyu", "kaigo-nintei"}},
      {"child-welfare-council", {"kodomo-katei"}},
      {"isolation-council", {}},
      {"community-care-meeting", {"chiiki-houkatsu"}},
  };
  const DisclosureRecipient recipients[] = {kKodomo, kHoukatsu, kKonkyu, kShakyo, kKayoi, kNintei};
  for (const auto& [basis, kinds] : expected) {
    const auto referral = referral_with_exception(basis, "根拠法令の条項");
    for (const DisclosureRecipient& recipient : recipients) {
      SCOPED_TRACE(std::string(basis) + " for " + recipient.recipient_kind);
      const bool applies = kinds.contains(recipient.recipient_kind);
      expect_outcome(gate({}, recipient, &referral.root()),
                     applies ? Outcome::permitted_by_exception : Outcome::exception_not_applicable,
                     applies ? basis : std::string_view());
    }
  }
  // The isolation council has no convening kind: only recorded members receive.
  const auto isolation = referral_with_exception("isolation-council", "孤独・孤立対策推進法第15条・第16条");
  const DisclosureRecipient member{"Organization/shakyo-1", "shakyo", {"isolation-council"}};
  expect_outcome(gate({}, member, &isolation.root()), Outcome::permitted_by_exception, "isolation-council");
}

TEST(ConsentGateException, TheStatuteMustBeNamedAndTheBasisKnown) {
  auto referral = referral_with_exception("required-by-law", "");
  ConsentVerdict verdict = gate({}, kKodomo, &referral.root());
  expect_outcome(verdict, Outcome::exception_not_applicable);
  EXPECT_NE(verdict.explanation.find("statute"), std::string::npos) << verdict.explanation;
  referral = referral_with_exception("opt-out", "個人情報保護法第27条第2項");
  verdict = gate({}, kKodomo, &referral.root());
  expect_outcome(verdict, Outcome::exception_not_applicable);
  EXPECT_NE(verdict.explanation.find("opt-out"), std::string::npos) << verdict.explanation;
}

TEST(ConsentGateException, ConsentIsPreferredAndTheLawStandsWithoutIt) {
  const fhir::json::Document referral = fixture("servicerequest-exception.json");
  // Both: the person's consent is the basis recorded.
  expect_outcome(gate({"consent-permit-org.json"}, kKodomo, &referral.root()), Outcome::permitted_by_consent,
                 "Consent/consent-org");
  // Consent withdrawn or denied: a statutory basis still applies (child welfare does not wait for
  // consent), and says so.
  expect_outcome(gate({"consent-inactive.json"}, kKodomo, &referral.root()), Outcome::permitted_by_exception,
                 "child-welfare-council");
  // Not applicable, withdrawn: the explanation says both.
  const ConsentVerdict verdict = gate({"consent-inactive.json"}, kHoukatsu, &referral.root());
  expect_outcome(verdict, Outcome::exception_not_applicable);
}

// gateway/referral/consent_gate.cpp mirrors conf/questionnaires/codesystem-disclosure-basis.json.
TEST(ConsentGateBases, TableMatchesThePublishedCodeSystem) {
  const auto published = fixtures::parse_json(
      fixtures::read_text(std::string(SOCIALRX_SOURCE_DIR) + "/conf/questionnaires/codesystem-disclosure-basis.json"));
  fixtures::expect_valid(published.root());
  EXPECT_EQ(published.root().string_at("url"), kDisclosureBasisSystem);
  const auto concepts = published.root().find("concept")->items();
  ASSERT_EQ(concepts.size(), disclosure_bases().size());
  for (std::size_t i = 0; i < concepts.size(); ++i) {
    const DisclosureBasis& ours = disclosure_bases()[i];
    SCOPED_TRACE(std::string(ours.code));
    EXPECT_EQ(concepts[i].string_at("code"), ours.code);
    EXPECT_EQ(concepts[i].string_at("display"), ours.display);
    std::set<std::string_view> kinds;
    bool council = false;
    for (const auto& property : concepts[i].find("property")->items()) {
      if (property.string_at("code") == "recipient-kind") kinds.insert(property.find("valueCoding")->string_at("code"));
      if (property.string_at("code") == "council") council = property.find("valueBoolean")->as_bool();
    }
    EXPECT_EQ(kinds, std::set<std::string_view>(ours.recipient_kinds.begin(), ours.recipient_kinds.end()));
    EXPECT_EQ(council, ours.council);
  }
}

}  // namespace
}  // namespace socialrx::gateway::referral
