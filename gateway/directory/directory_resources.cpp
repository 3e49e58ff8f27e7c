#include "gateway/directory/directory_resources.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string_view>

#include "gateway/directory/code_tables.hpp"
#include "gateway/directory/directory_model.hpp"

namespace socialrx::gateway::directory {
namespace {

// A thin layer over RapidJSON's writer: it escapes strings, so no cell can break the JSON.
class Json {
 public:
  Json() : writer_(buffer_) {}
  void begin() { writer_.StartObject(); }
  void end() { writer_.EndObject(); }
  void begin(std::string_view key) {
    this->key(key);
    writer_.StartObject();
  }
  void begin_array(std::string_view key) {
    this->key(key);
    writer_.StartArray();
  }
  void end_array() { writer_.EndArray(); }
  void string(std::string_view key, std::string_view value) {
    this->key(key);
    writer_.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  }
  void string(std::string_view value) {
    writer_.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  }
  void boolean(std::string_view key, bool value) {
    this->key(key);
    writer_.Bool(value);
  }
  void integer(std::string_view key, int value) {
    this->key(key);
    writer_.Int(value);
  }
  void key(std::string_view key) { writer_.Key(key.data(), static_cast<rapidjson::SizeType>(key.size())); }
  std::string text() const { return std::string(buffer_.GetString(), buffer_.GetSize()); }

  // {"system": …, "code": …, "display": …} inside an open array.
  void coding(std::string_view system, std::string_view code, std::string_view display) {
    begin();
    string("system", system);
    string("code", code);
    if (!display.empty()) string("display", display);
    end();
  }
  // "key": {"coding": [coding]}
  void codeable(std::string_view key, std::string_view system, std::string_view code,
               std::string_view display) {
    begin(key);
    begin_array("coding");
    coding(system, code, display);
    end_array();
    end();
  }
  // One identifier inside an open array.
  void identifier(std::string_view system, std::string_view value) {
    begin();
    string("system", system);
    string("value", value);
    end();
  }
  void reference(std::string_view key, std::string_view type, std::string_view id,
                 std::string_view display = {}) {
    begin(key);
    string("reference", std::string(type) + "/" + std::string(id));
    if (!display.empty()) string("display", display);
    end();
  }
  // A reference inside an open array.
  void reference_item(std::string_view type, std::string_view id, std::string_view display = {}) {
    begin();
    string("reference", std::string(type) + "/" + std::string(id));
    if (!display.empty()) string("display", display);
    end();
  }
  // A simple extension inside an open array.
  void extension_code(std::string_view url, std::string_view value) {
    begin();
    string("url", url);
    string("valueCode", value);
    end();
  }
  void extension_string(std::string_view url, std::string_view value) {
    begin();
    string("url", url);
    string("valueString", value);
    end();
  }

 private:
  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_;
};

std::string organization(const DirectoryRow& row, const ResourceIds& ids) {
  Json json;
  json.begin();
  json.string("resourceType", "Organization");
  json.begin_array("extension");
  json.extension_code(model::kLocalGovernmentCodeUrl, row.municipality_code);
  json.extension_code(model::kRecipientModeUrl, row.recipient_mode);
  for (const std::string& council : row.council_memberships) {
    json.begin();
    json.string("url", model::kCouncilMembershipUrl);
    json.begin("valueCoding");
    json.string("system", model::kCouncilSystem);
    json.string("code", council);
    json.string("display", display_of(councils(), council));
    json.end();
    json.end();
  }
  json.end_array();
  json.begin_array("identifier");
  json.identifier(model::kOrganizationIdSystem, row.organization_id);
  if (!row.ltc_insurer_number.empty()) json.identifier(model::kLtcInsurerNumberSystem, row.ltc_insurer_number);
  json.end_array();
  json.boolean("active", true);
  json.begin_array("type");
  json.begin();
  json.begin_array("coding");
  json.coding(model::kRecipientKindSystem, row.organization_kind,
              display_of(recipient_kinds(), row.organization_kind));
  json.end_array();
  json.end();
  json.end_array();
  json.string("name", row.organization_name);
  if (row.recipient_mode == "full") {
    json.begin_array("endpoint");
    json.reference_item("Endpoint", ids.endpoint);
    json.end_array();
  }
  json.end();
  return json.text();
}

std::string endpoint(const DirectoryRow& row, const ResourceIds& ids) {
  Json json;
  json.begin();
  json.string("resourceType", "Endpoint");
  json.begin_array("identifier");
  json.identifier(model::kEndpointIdSystem, row.organization_id);
  json.end_array();
  json.string("status", "active");
  json.begin("connectionType");
  json.string("system", model::kEndpointConnectionTypeSystem);
  json.string("code", "hl7-fhir-rest");
  json.end();
  json.string("name", row.organization_name + " FHIR");
  json.reference("managingOrganization", "Organization", ids.organization, row.organization_name);
  json.begin_array("payloadType");
  json.begin();
  json.begin_array("coding");
  json.coding(model::kEndpointPayloadTypeSystem, "any", "Any");
  json.end_array();
  json.end();
  json.end_array();
  json.begin_array("payloadMimeType");
  json.string("application/fhir+json");
  json.end_array();
  json.string("address", row.endpoint_url);
  json.end();
  return json.text();
}

std::string site(const DirectoryRow& row, const ResourceIds& ids) {
  Json json;
  json.begin();
  json.string("resourceType", "Location");
  json.begin_array("identifier");
  json.identifier(model::kSiteIdSystem, row.location_id);
  json.end_array();
  json.string("status", "active");
  json.string("name", row.location_name);
  json.string("mode", "instance");
  // JP Core: state = 都道府県, city = 市区町村, line = the rest, text = all but the postal code.
  const std::string text = row.prefecture + row.city + row.address_line;
  if (!text.empty() || !row.postal_code.empty()) {
    json.begin("address");
    json.string("use", "work");
    json.string("type", "physical");
    if (!text.empty()) json.string("text", text);
    if (!row.address_line.empty()) {
      json.begin_array("line");
      json.string(row.address_line);
      json.end_array();
    }
    if (!row.city.empty()) json.string("city", row.city);
    if (!row.prefecture.empty()) json.string("state", row.prefecture);
    if (!row.postal_code.empty()) json.string("postalCode", row.postal_code);
    json.string("country", "JP");
    json.end();
  }
  json.codeable("physicalType", model::kLocationPhysicalTypeSystem, "bu", "Building");
  json.reference("managingOrganization", "Organization",
                 ids.site_organization.empty() ? ids.organization : ids.site_organization);
  json.end();
  return json.text();
}

std::string area_name(const DirectoryRow& row) {
  if (!row.area_id.empty()) return row.area_name;
  if (!row.municipality_name.empty()) return row.municipality_name;
  return "地方公共団体コード " + row.municipality_code;
}

std::string area(const DirectoryRow& row) {
  Json json;
  json.begin();
  json.string("resourceType", "Location");
  json.begin_array("extension");
  json.extension_code(model::kLocalGovernmentCodeUrl, row.municipality_code);
  for (const std::string& code : row.area_postal_codes) json.extension_string(model::kAreaPostalCodeUrl, code);
  for (const std::string& town : row.area_towns) json.extension_string(model::kAreaTownUrl, town);
  json.end_array();
  json.begin_array("identifier");
  json.identifier(model::kAreaIdSystem, row.area_key());
  json.end_array();
  json.string("status", "active");
  json.string("name", area_name(row));
  json.string("mode", "instance");
  // A whole municipality is a jurisdiction; a 日常生活圏域 is an area inside one.
  if (row.area_id.empty()) {
    json.codeable("physicalType", model::kLocationPhysicalTypeSystem, "jdn", "Jurisdiction");
  } else {
    json.codeable("physicalType", model::kLocationPhysicalTypeSystem, "area", "Area");
  }
  json.end();
  return json.text();
}

void write_quantity(Json& json, std::string_view key, int years) {
  json.begin(key);
  json.integer("value", years);
  json.string("unit", "歳");
  json.string("system", "http://unitsofmeasure.org");
  json.string("code", "a");
  json.end();
}

std::string service(const DirectoryRow& row, const ResourceIds& ids) {
  Json json;
  json.begin();
  json.string("resourceType", "HealthcareService");
  json.begin_array("extension");
  if (!row.capacity_status.empty()) {
    json.begin();
    json.string("url", model::kCapacityUrl);
    json.begin_array("extension");
    json.begin();
    json.string("url", "capacityStatus");
    json.codeable("valueCodeableConcept", model::kCapacityCodeSystem, row.capacity_status,
                 display_of(capacity_statuses(), row.capacity_status));
    json.end();
    if (!row.capacity_notes.empty()) json.extension_string("capacityNotes", row.capacity_notes);
    json.end_array();
    json.end();
  }
  json.extension_code(model::kRecipientModeUrl, row.recipient_mode);
  json.end_array();
  json.begin_array("identifier");
  json.identifier(model::kServiceIdSystem, row.service_id);
  json.end_array();
  json.boolean("active", true);
  json.reference("providedBy", "Organization", ids.organization, row.organization_name);
  json.begin_array("category");
  json.begin();
  json.begin_array("coding");
  json.coding(model::kRecipientKindSystem, row.service_kind, display_of(recipient_kinds(), row.service_kind));
  json.end_array();
  json.end();
  json.end_array();
  json.begin_array("type");
  for (const std::string& need : row.need_categories) {
    json.begin();
    json.begin_array("coding");
    json.coding(model::kSdhDomainSystem, need, display_of(sdh_domains(), need));
    json.end_array();
    json.end();
  }
  json.end_array();
  json.begin_array("location");
  json.reference_item("Location", ids.site, row.location_name);
  json.end_array();
  json.string("name", row.service_name);
  if (!row.service_description.empty()) json.string("comment", row.service_description);
  if (!row.phone.empty() || !row.email.empty()) {
    json.begin_array("telecom");
    if (!row.phone.empty()) {
      json.begin();
      json.string("system", "phone");
      json.string("value", row.phone);
      json.string("use", "work");
      json.end();
    }
    if (!row.email.empty()) {
      json.begin();
      json.string("system", "email");
      json.string("value", row.email);
      json.string("use", "work");
      json.end();
    }
    json.end_array();
  }
  json.begin_array("coverageArea");
  json.reference_item("Location", ids.area, area_name(row));
  json.end_array();
  if (row.age_min || row.age_max || !row.eligibility_text.empty()) {
    json.begin_array("eligibility");
    json.begin();
    if (row.age_min || row.age_max) {
      json.begin_array("extension");
      json.begin();
      json.string("url", model::kAgeRangeUrl);
      json.begin("valueRange");
      if (row.age_min) write_quantity(json, "low", *row.age_min);
      if (row.age_max) write_quantity(json, "high", *row.age_max);
      json.end();
      json.end();
      json.end_array();
      json.begin("code");
      json.begin_array("coding");
      json.coding(model::kEligibilityKindSystem, "age", "年齢");
      json.end_array();
      json.end();
    }
    if (!row.eligibility_text.empty()) json.string("comment", row.eligibility_text);
    json.end();
    json.end_array();
  }
  if (row.recipient_mode == "full") {
    json.begin_array("endpoint");
    json.reference_item("Endpoint", ids.endpoint);
    json.end_array();
  }
  json.end();
  return json.text();
}

}  // namespace

RowResources build_resources(const DirectoryRow& row, const ResourceIds& ids) {
  RowResources resources;
  resources.organization = organization(row, ids);
  if (row.recipient_mode == "full") resources.endpoint = endpoint(row, ids);
  resources.site = site(row, ids);
  resources.area = area(row);
  resources.service = service(row, ids);
  return resources;
}

}  // namespace socialrx::gateway::directory
