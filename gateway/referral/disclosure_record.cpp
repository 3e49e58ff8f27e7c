#include "gateway/referral/disclosure_record.hpp"

#include "gateway/referral/resource_json.hpp"
#include "gateway/rest/resource_stamp.hpp"

namespace socialrx::gateway::referral {
namespace {

using fhir::json::Value;

constexpr std::string_view kDicom = "http://dicom.nema.org/resources/ontology/DCM";
constexpr std::string_view kEntityType = "http://terminology.hl7.org/CodeSystem/audit-entity-type";
constexpr std::string_view kObjectRole = "http://terminology.hl7.org/CodeSystem/object-role";

}  // namespace

void record_disclosure(storage::WriteTransaction& transaction, const LoadedResource& source_request,
                       const DownstreamReferral& downstream, const ServiceCandidate& recipient,
                       const ConsentVerdict& verdict) {
  fhir::json::Document document;
  JsonBuilder json(document);
  std::vector<Value> entities;
  for (const std::string& key : downstream.disclosed) {
    const bool person = key.starts_with("Patient/");
    entities.push_back(json.object({
        {"what", json.reference(key)},
        {"type", json.coding(kEntityType, person ? "1" : "2", person ? "Person" : "System Object")},
        {"role", person ? json.coding(kObjectRole, "1", "Patient") : Value()},
    }));
  }
  // The basis: the Consent itself, or the exception with its legal ground.
  entities.push_back(json.object({
      {"what", verdict.basis.starts_with("Consent/") ? json.reference(verdict.basis) : Value()},
      {"name", json.string(verdict.basis.starts_with("Consent/") ? "本人同意" : "法令上の例外")},
      {"description", json.string(verdict.explanation)},
      // Machine-readable: "Consent/<id>" or the disclosure-basis code of the exception.
      {"detail", json.array({json.object({{"type", json.string("disclosure-basis")},
                                          {"valueString", json.string(verdict.basis)}})})},
  }));
  entities.push_back(json.object({{"what", json.reference(downstream.service_request)},
                                  {"description", json.string("紹介先への依頼")}}));
  entities.push_back(json.object({{"what", json.reference(source_request.key)},
                                  {"description", json.string("紹介元の依頼")}}));
  const Value event = json.object({
      {"resourceType", json.string("AuditEvent")},
      {"type", json.coding(kDicom, "110106", "Export")},
      {"action", json.string("R")},
      {"recorded", json.string(now_instant())},
      {"outcome", json.string("0")},
      {"outcomeDesc", json.string("紹介に伴う情報提供")},
      {"agent", json.array({
                    json.object({{"type", json.codeable(kDicom, "110153", "Source Role ID")},
                                 {"who", json.object({{"display", json.string("socialrx")}})},
                                 {"requestor", fhir::json::Document::make_bool(false)}}),
                    json.object({{"type", json.codeable(kDicom, "110152", "Destination Role ID")},
                                 {"who", json.reference(recipient.organization, recipient.organization_name)},
                                 {"requestor", fhir::json::Document::make_bool(false)}}),
                })},
      {"source", json.object({{"site", json.string("socialrx referral workflow")},
                              {"observer", json.object({{"display", json.string("socialrx")}})}})},
      {"entity", json.array(entities)},
  });
  write_platform_resource(transaction, event, "AuditEvent", rest::new_resource_id());
}

}  // namespace socialrx::gateway::referral
