#include "gateway/rest/capability_statement.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "gateway/search/search_parameters.hpp"

namespace socialrx::gateway::rest {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void string(Writer& writer, std::string_view text) {
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}
void member(Writer& writer, std::string_view key, std::string_view value) {
  writer.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  string(writer, value);
}
void codes(Writer& writer, std::string_view key, std::initializer_list<std::string_view> values) {
  writer.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  writer.StartArray();
  for (std::string_view value : values) {
    writer.StartObject();
    member(writer, "code", value);
    writer.EndObject();
  }
  writer.EndArray();
}

void search_param(Writer& writer, std::string_view name, std::string_view definition,
                  std::string_view type) {
  writer.StartObject();
  member(writer, "name", name);
  member(writer, "definition", definition);
  member(writer, "type", type);
  writer.EndObject();
}

void resource(Writer& writer, std::string_view type) {
  writer.StartObject();
  member(writer, "type", type);
  if (type == "Subscription") {  // what a client may subscribe with (gateway/subscription)
    member(writer, "documentation",
           "channel.type rest-hook only; payload id-only: notifications are R4 history Bundles in the "
           "shape of the Subscriptions R5 Backport IG (backport-subscription-notification-r4) that name "
           "the changed resource and carry no resource body. criteria: Type?search with the search "
           "parameters listed for that type; the server sets status (requested -> active, error when "
           "deliveries fail).");
  }
  codes(writer, "interaction",
        {"read", "vread", "update", "delete", "history-instance", "history-type", "create",
         "search-type"});
  member(writer, "versioning", "versioned-update");
  writer.Key("readHistory");
  writer.Bool(true);
  writer.Key("updateCreate");
  writer.Bool(true);
  writer.Key("conditionalCreate");
  writer.Bool(true);
  member(writer, "conditionalRead", "not-supported");
  writer.Key("conditionalUpdate");
  writer.Bool(true);
  member(writer, "conditionalDelete", "not-supported");

  const auto parameters = search::parameters_of(type);
  std::vector<std::string> includes;
  std::vector<std::string> revincludes;
  for (const search::SearchParameter& candidate : search::search_parameters()) {
    if (candidate.kind != search::ParamKind::reference) continue;
    const std::string text = std::string(candidate.resource_type) + ":" + std::string(candidate.code);
    if (candidate.resource_type == type) includes.push_back(text);
    revincludes.push_back(text);  // any resource may be the target of a reference parameter
  }
  if (!includes.empty()) {
    writer.Key("searchInclude");
    writer.StartArray();
    for (const std::string& include : includes) string(writer, include);
    writer.EndArray();
  }
  writer.Key("searchRevInclude");
  writer.StartArray();
  for (const std::string& include : revincludes) string(writer, include);
  writer.EndArray();

  writer.Key("searchParam");
  writer.StartArray();
  search_param(writer, "_id", "http://hl7.org/fhir/SearchParameter/Resource-id", "token");
  search_param(writer, "_lastUpdated", "http://hl7.org/fhir/SearchParameter/Resource-lastUpdated",
               "date");
  for (const search::SearchParameter* parameter : parameters) {
    search_param(writer, parameter->code, parameter->definition, search::kind_name(parameter->kind));
  }
  writer.EndArray();

  writer.Key("operation");
  writer.StartArray();
  writer.StartObject();
  member(writer, "name", "validate");
  member(writer, "definition", "http://hl7.org/fhir/OperationDefinition/Resource-validate");
  writer.EndObject();
  if (type == "QuestionnaireResponse") {
    writer.StartObject();
    member(writer, "name", "extract");
    member(writer, "definition", "http://hl7.org/fhir/uv/sdc/OperationDefinition/QuestionnaireResponse-extract");
    writer.EndObject();
  }
  writer.EndArray();
  writer.EndObject();
}

}  // namespace

std::string build_capability_statement(bool authentication_required) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  member(writer, "resourceType", "CapabilityStatement");
  member(writer, "status", "active");
  member(writer, "date", "2026-12-01");
  member(writer, "publisher", "socialrx");
  member(writer, "kind", "instance");
  writer.Key("software");
  writer.StartObject();
  member(writer, "name", "socialrx");
  member(writer, "version", "0.1.0");
  writer.EndObject();
  writer.Key("implementation");
  writer.StartObject();
  member(writer, "description", "socialrx — FHIR R4 gateway for social prescribing (社会的処方)");
  writer.EndObject();
  member(writer, "fhirVersion", "4.0.1");
  writer.Key("format");
  writer.StartArray();
  string(writer, "application/fhir+json");
  string(writer, "json");
  writer.EndArray();
  writer.Key("rest");
  writer.StartArray();
  writer.StartObject();
  member(writer, "mode", "server");
  writer.Key("security");
  writer.StartObject();
  writer.Key("cors");
  writer.Bool(false);
  member(writer, "description",
         authentication_required
             ? "Bearer tokens issued by the operator; SMART system scopes (system/Type.cruds) per client."
             : "Development mode: authentication is OFF. Never expose this instance.");
  writer.EndObject();
  writer.Key("resource");
  writer.StartArray();
  for (std::string_view type : search::supported_resource_types()) resource(writer, type);
  writer.EndArray();
  codes(writer, "interaction", {"transaction", "batch", "history-system"});
  writer.EndObject();
  writer.EndArray();
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace socialrx::gateway::rest
