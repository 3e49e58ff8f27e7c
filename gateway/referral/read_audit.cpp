#include "gateway/referral/read_audit.hpp"

#include "gateway/referral/resource_json.hpp"
#include "gateway/referral/store_access.hpp"
#include "gateway/rest/resource_stamp.hpp"

namespace socialrx::gateway::referral {
namespace {

using fhir::json::Value;

constexpr std::string_view kEventType = "http://terminology.hl7.org/CodeSystem/audit-event-type";
constexpr std::string_view kInteraction = "http://hl7.org/fhir/restful-interaction";
constexpr std::string_view kParticipation = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
constexpr std::string_view kEntityType = "http://terminology.hl7.org/CodeSystem/audit-entity-type";
constexpr std::string_view kObjectRole = "http://terminology.hl7.org/CodeSystem/object-role";

}  // namespace

void record_recipient_read(storage::WriteTransaction& transaction, const RecipientRead& read) {
  fhir::json::Document document;
  JsonBuilder json(document);
  const bool search = read.interaction == "search-type";
  std::vector<Value> entities;
  for (const auto& [key, access] : read.returned) {
    const bool person = key.starts_with("Patient/");
    entities.push_back(json.object({
        {"what", json.reference(key)},
        {"type", json.coding(kEntityType, person ? "1" : "2", person ? "Person" : "System Object")},
        {"role", person ? json.coding(kObjectRole, "1", "Patient") : Value()},
        {"detail", json.array({json.object({{"type", json.string("disclosure-basis")},
                                            {"valueString", json.string(access.basis)}}),
                               json.object({{"type", json.string("disclosure-record")},
                                            {"valueString", json.string(access.record)}})})},
    }));
  }
  if (search && !read.target.empty()) {
    entities.push_back(json.object({{"type", json.coding(kEntityType, "2", "System Object")},
                                    {"role", json.coding(kObjectRole, "24", "Query")},
                                    {"description", json.string(read.target)}}));
  }
  const Value event = json.object({
      {"resourceType", json.string("AuditEvent")},
      {"type", json.coding(kEventType, "rest", "RESTful Operation")},
      {"subtype", json.array({json.coding(kInteraction, read.interaction)})},
      {"action", json.string(search ? "E" : "R")},
      {"recorded", json.string(now_instant())},
      {"outcome", json.string("0")},
      {"outcomeDesc", json.string("紹介先による提供情報の参照")},
      {"agent", json.array({json.object({
                    {"type", json.codeable(kParticipation, "IRCP", "information recipient")},
                    {"who", json.reference(read.organization)},
                    {"altId", json.string(read.client_id)},
                    {"requestor", fhir::json::Document::make_bool(true)},
                })})},
      {"source", json.object({{"site", json.string("socialrx REST API")},
                              {"observer", json.object({{"display", json.string("socialrx")}})}})},
      {"entity", json.array(entities)},
  });
  write_platform_resource(transaction, event, "AuditEvent", rest::new_resource_id());
}

}  // namespace socialrx::gateway::referral
