#include "gateway/referral/disclosure_record.hpp"

#include "gateway/referral/resource_json.hpp"
#include "gateway/rest/resource_stamp.hpp"

namespace socialrx::gateway::referral {
namespace {

using fhir::json::Value;

constexpr std::string_view kDicom = kDicomSystem;
constexpr std::string_view kDestinationRole = "110152";
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
      // Machine-readable: "Consent/<id>" or the disclosure-basis code of the exception, and the
      // kind the recipient was routed as (the read gate evaluates the basis again with it).
      {"detail", json.array({json.object({{"type", json.string("disclosure-basis")},
                                          {"valueString", json.string(verdict.basis)}}),
                             json.object({{"type", json.string("recipient-kind")},
                                          {"valueString", json.string(recipient.recipient_kind)}})})},
  }));
  const auto role = [&json](std::string_view value) {
    return json.array({json.object({{"type", json.string("referral-role")}, {"valueString", json.string(value)}})});
  };
  entities.push_back(json.object({{"what", json.reference(downstream.service_request)},
                                  {"description", json.string("紹介先への依頼")},
                                  {"detail", role("recipient-request")}}));
  entities.push_back(json.object({{"what", json.reference(source_request.key)},
                                  {"description", json.string("紹介元の依頼")},
                                  {"detail", role("source-request")}}));
  const Value event = json.object({
      {"resourceType", json.string("AuditEvent")},
      {"type", json.coding(kDicom, kExportCode, "Export")},
      {"action", json.string("R")},
      {"recorded", json.string(now_instant())},
      {"outcome", json.string("0")},
      {"outcomeDesc", json.string("紹介に伴う情報提供")},
      {"agent", json.array({
                    json.object({{"type", json.codeable(kDicom, "110153", "Source Role ID")},
                                 {"who", json.object({{"display", json.string("socialrx")}})},
                                 {"requestor", fhir::json::Document::make_bool(false)}}),
                    json.object({{"type", json.codeable(kDicom, kDestinationRole, "Destination Role ID")},
                                 {"who", json.reference(recipient.organization, recipient.organization_name)},
                                 {"requestor", fhir::json::Document::make_bool(false)}}),
                })},
      {"source", json.object({{"site", json.string("socialrx referral workflow")},
                              {"observer", json.object({{"display", json.string("socialrx")}})}})},
      {"entity", json.array(entities)},
  });
  write_platform_resource(transaction, event, "AuditEvent", rest::new_resource_id());
}

namespace {

std::string_view detail(const Value& entity, std::string_view type) {
  if (const Value* details = entity.find("detail")) {
    for (const Value& item : details->items()) {
      if (item.string_at("type") == type) return item.string_at("valueString");
    }
  }
  return {};
}

}  // namespace

std::optional<DisclosureRecord> read_disclosure_record(const Value& event) {
  const Value* type = event.find("type");
  if (type == nullptr || type->string_at("system") != kDicom || type->string_at("code") != kExportCode) {
    return std::nullopt;
  }
  DisclosureRecord record;
  if (const Value* agents = event.find("agent")) {
    for (const Value& agent : agents->items()) {
      if (has_coding(agent.find("type"), kDicom, kDestinationRole)) record.recipient = reference_key(agent.find("who"));
    }
  }
  if (const Value* entities = event.find("entity")) {
    for (const Value& entity : entities->items()) {
      const std::string what = reference_key(entity.find("what"));
      if (!detail(entity, "disclosure-basis").empty()) {
        record.basis = std::string(detail(entity, "disclosure-basis"));
        record.recipient_kind = std::string(detail(entity, "recipient-kind"));
      } else if (const std::string_view role = detail(entity, "referral-role"); !role.empty()) {
        if (role == "source-request") record.source_request = what;
      } else if (entity.string_at("description") == "紹介元の依頼") {
        record.source_request = what;  // a record written before referral-role was kept
      } else if (entity.find("type") != nullptr && !what.empty()) {
        record.disclosed.push_back(what);  // the disclosed resources are the typed entities
      }
    }
  }
  if (record.recipient.empty() || record.source_request.empty()) return std::nullopt;
  return record;
}

}  // namespace socialrx::gateway::referral
