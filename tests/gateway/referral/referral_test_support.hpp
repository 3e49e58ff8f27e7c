#pragma once
// A clinic's referral as one transaction Bundle (Patient, Consent, ServiceRequest, Task), for the
// workflow tests through the real binary.

#include <string>
#include <string_view>
#include <vector>

namespace socialrx::testing {

inline constexpr const char* kClinicIdentifier = "http://jpfhir.jp/fhir/core/IdSystem/insurance-medical-institution-no|9910000001";
inline constexpr const char* kDirectoryOrganization = "https://socialrx.jp/fhir/sid/directory-organization|";

struct Patient {
  std::string birth_date = "1950-05-01";
  std::string postal_code = "999-0111";  // みどり市 中央圏域
  std::string city = "みどり市";
  std::string line = "本町3-4";
};

inline std::string patient_json(const Patient& patient) {
  return R"({"resourceType":"Patient","name":[{"family":"緑","given":["花子"]}],"gender":"female","birthDate":")" +
         patient.birth_date + R"(","address":[{"use":"home","postalCode":")" + patient.postal_code + R"(","city":")" +
         patient.city + R"(","line":[")" + patient.line + R"("]}]})";
}

struct ReferralSpec {
  Patient patient;
  std::string need = "loneliness";
  // The Consent's status; empty: no Consent at all.
  std::string consent_status = "active";
  // A statutory exception on the ServiceRequest (disclosure-basis code), or empty.
  std::string exception_basis;
  std::string exception_statute = "児童福祉法第25条の3";
  // An existing Patient ("Patient/<id>") instead of a new one in the Bundle.
  std::string patient_reference;
  // Further references of the ServiceRequest: supportingInfo (after the Consent) and reasonReference.
  std::vector<std::string> supporting_info;
  std::vector<std::string> reason_references;
};

// A Patient of the demo town as a transaction entry (with a trailing comma).
inline std::string patient_entry(const std::string& full_url, const Patient& patient) {
  return R"({"fullUrl":")" + full_url + R"(","resource":)" + patient_json(patient) +
         R"(,"request":{"method":"POST","url":"Patient"}},)";
}

// ,"element":[{"reference":…},…] or nothing for an empty list.
inline std::string references(const char* element, const std::vector<std::string>& keys) {
  if (keys.empty()) return {};
  std::string json = std::string(R"(,")") + element + R"(":[)";
  for (std::size_t i = 0; i < keys.size(); ++i) json += (i ? "," : "") + std::string(R"({"reference":")") + keys[i] + R"("})";
  return json + "]";
}

inline std::vector<std::string> with_first(const std::string& first, std::vector<std::string> rest) {
  rest.insert(rest.begin(), first);
  return rest;
}

inline std::string referral_bundle(const ReferralSpec& spec) {
  const std::string patient =
      spec.patient_reference.empty() ? "urn:uuid:11111111-1111-4111-8111-111111111111" : spec.patient_reference;
  const std::string consent = "urn:uuid:22222222-2222-4222-8222-222222222222";
  const std::string request = "urn:uuid:33333333-3333-4333-8333-333333333333";
  const std::string clinic = std::string("Organization?identifier=") + kClinicIdentifier;
  std::string entries;
  if (spec.patient_reference.empty()) entries += patient_entry(patient, spec.patient);
  if (!spec.consent_status.empty()) {
    entries += R"({"fullUrl":")" + consent + R"(","resource":{"resourceType":"Consent","status":")" + spec.consent_status +
               R"(","scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"patient-privacy"}]},)"
               R"("category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"IDSCL"}]}],)"
               R"("patient":{"reference":")" + patient + R"("},"dateTime":"2026-11-30T10:00:00+09:00",)"
               R"("provision":{"type":"permit","purpose":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActReason","code":"COC"}]}},)"
               R"("request":{"method":"POST","url":"Consent"}},)";
  }
  std::string exception;
  if (!spec.exception_basis.empty()) {
    exception = R"("extension":[{"url":"https://socialrx.jp/fhir/StructureDefinition/disclosure-exception","extension":[)"
                R"({"url":"basis","valueCoding":{"system":"https://socialrx.jp/fhir/CodeSystem/disclosure-basis","code":")" +
                spec.exception_basis + R"("}},{"url":"statute","valueString":")" + spec.exception_statute + R"("}]}],)";
  }
  entries += R"({"fullUrl":")" + request + R"(","resource":{"resourceType":"ServiceRequest",)" + exception +
             R"("status":"active","intent":"order","category":[{"coding":[{"system":"http://snomed.info/sct","code":"410606002"}]},)"
             R"({"coding":[{"system":"https://socialrx.jp/fhir/CodeSystem/sdh-domain","code":")" + spec.need + R"("}]}],)"
             R"("subject":{"reference":")" + patient + R"("},"requester":{"reference":")" + clinic + R"("})" +
             references("supportingInfo", spec.consent_status.empty() ? spec.supporting_info
                                                                       : with_first(consent, spec.supporting_info)) +
             references("reasonReference", spec.reason_references) +
             R"(},"request":{"method":"POST","url":"ServiceRequest"}},)";
  entries += R"({"resource":{"resourceType":"Task","status":"requested","intent":"order",)"
             R"("code":{"coding":[{"system":"http://hl7.org/fhir/CodeSystem/task-code","code":"fulfill"}]},)"
             R"("focus":{"reference":")" + request + R"("},"for":{"reference":")" + patient +
             R"("},"authoredOn":"2026-12-02T10:00:00+09:00","requester":{"reference":")" + clinic +
             R"("}},"request":{"method":"POST","url":"Task"}})";
  return R"({"resourceType":"Bundle","type":"transaction","entry":[)" + entries + "]}";
}

// "Type/id" from a transaction-response entry's location ("Task/abc/_history/2").
inline std::string key_of_location(std::string_view location) {
  const std::size_t history = location.find("/_history");
  return std::string(location.substr(0, history));
}

}  // namespace socialrx::testing
