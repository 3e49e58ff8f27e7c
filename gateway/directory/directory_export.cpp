#include "gateway/directory/directory_export.hpp"

#include <algorithm>
#include <deque>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "fhir/json.hpp"
#include "gateway/directory/csv_reader.hpp"
#include "gateway/directory/directory_model.hpp"
#include "gateway/directory/directory_row.hpp"
#include "gateway/storage/resource_store.hpp"

namespace socialrx::gateway::directory {
namespace {

using fhir::json::Value;

std::string str(const Value* value) { return value ? std::string(value->text()) : std::string(); }

// The first extension with this URL.
const Value* extension(const Value& element, std::string_view url) {
  if (const Value* extensions = element.find("extension")) {
    for (const Value& entry : extensions->items()) {
      if (entry.string_at("url") == url) return &entry;
    }
  }
  return nullptr;
}

std::vector<std::string> extension_strings(const Value& element, std::string_view url) {
  std::vector<std::string> values;
  if (const Value* extensions = element.find("extension")) {
    for (const Value& entry : extensions->items()) {
      if (entry.string_at("url") == url) values.emplace_back(entry.string_at("valueString"));
    }
  }
  return values;
}

// The codes of the repeated valueCoding extensions with this URL and system.
std::vector<std::string> extension_codes(const Value& element, std::string_view url, std::string_view system) {
  std::vector<std::string> codes;
  if (const Value* extensions = element.find("extension")) {
    for (const Value& entry : extensions->items()) {
      const Value* coding = entry.string_at("url") == url ? entry.find("valueCoding") : nullptr;
      if (coding != nullptr && coding->string_at("system") == system) codes.emplace_back(coding->string_at("code"));
    }
  }
  return codes;
}

std::string identifier(const Value& resource, std::string_view system) {
  if (const Value* identifiers = resource.find("identifier")) {
    for (const Value& entry : identifiers->items()) {
      if (entry.string_at("system") == system) return std::string(entry.string_at("value"));
    }
  }
  return {};
}

// The code of the first coding with this system in a CodeableConcept.
std::string code_of(const Value* codeable, std::string_view system) {
  if (!codeable) return {};
  if (const Value* codings = codeable->find("coding")) {
    for (const Value& coding : codings->items()) {
      if (coding.string_at("system") == system) return std::string(coding.string_at("code"));
    }
  }
  return {};
}

const Value* first(const Value& resource, std::string_view key) {
  const Value* array = resource.find(key);
  return (array && array->size() > 0) ? &array->items()[0] : nullptr;
}

std::string join(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : ";") + item;
  return text;
}

std::optional<std::string> age(const Value* range, std::string_view key) {
  if (!range) return std::nullopt;
  const Value* quantity = range->find(key);
  if (!quantity) return std::nullopt;
  return std::string(quantity->find("value") ? quantity->find("value")->text() : "");
}

class Exporter {
 public:
  Exporter(storage::Database& database, std::ostream& report) : store_(database), report_(report) {}

  // Reads "Type/id" and keeps the document alive for the rest of the export.
  const Value* follow(const Value* reference) {
    if (!reference) return nullptr;
    const std::string_view target = reference->string_at("reference");
    const auto slash = target.find('/');
    if (slash == std::string_view::npos) return nullptr;
    const auto stored = store_.read(target.substr(0, slash), target.substr(slash + 1));
    if (!stored || stored->deleted) return nullptr;
    fhir::json::ParseResult parsed = fhir::json::parse(stored->body);
    if (!parsed.document) return nullptr;
    documents_.push_back(std::move(*parsed.document));
    return &documents_.back().root();
  }

  // The row of one HealthcareService, as cells in columns() order; nullopt when it cannot be read.
  std::optional<std::vector<std::string>> row_of(const Value& service) {
    const std::string service_id = identifier(service, model::kServiceIdSystem);
    if (service_id.empty()) return std::nullopt;  // not a directory entry
    const Value* organization = follow(service.find("providedBy"));
    const Value* site = follow(first(service, "location"));
    const Value* area = follow(first(service, "coverageArea"));
    if (!organization || !site || !area) {
      report_ << "directory export: HealthcareService " << service_id
              << ": its organization, location or coverage area cannot be read; skipped\n";
      return std::nullopt;
    }
    std::string endpoint_url;
    if (const Value* endpoint = follow(first(*organization, "endpoint"))) endpoint_url = endpoint->string_at("address");
    const Value* address = site->find("address");
    const Value* eligibility = first(service, "eligibility");
    const Value* age_extension = eligibility ? extension(*eligibility, model::kAgeRangeUrl) : nullptr;
    const Value* range = age_extension ? age_extension->find("valueRange") : nullptr;
    const Value* capacity = extension(service, model::kCapacityUrl);
    const Value* capacity_status = capacity ? extension(*capacity, "capacityStatus") : nullptr;
    const Value* capacity_notes = capacity ? extension(*capacity, "capacityNotes") : nullptr;
    std::string phone;
    std::string email;
    if (const Value* telecoms = service.find("telecom")) {
      for (const Value& telecom : telecoms->items()) {
        if (telecom.string_at("system") == "phone" && phone.empty()) phone = telecom.string_at("value");
        if (telecom.string_at("system") == "email" && email.empty()) email = telecom.string_at("value");
      }
    }
    std::vector<std::string> needs;
    if (const Value* types = service.find("type")) {
      for (const Value& type : types->items()) {
        std::string need = code_of(&type, model::kSdhDomainSystem);
        if (!need.empty()) needs.push_back(std::move(need));
      }
    }
    const std::string area_key = identifier(*area, model::kAreaIdSystem);
    const std::string municipality_code =
        str(extension(*organization, model::kLocalGovernmentCodeUrl) ? extension(*organization, model::kLocalGovernmentCodeUrl)->find("valueCode") : nullptr);
    const bool whole_municipality = area_key == municipality_code;
    const std::string area_id = whole_municipality || area_key.size() <= municipality_code.size() + 1
                                    ? std::string()
                                    : area_key.substr(municipality_code.size() + 1);
    const Value* mode = extension(*organization, model::kRecipientModeUrl);

    std::vector<std::string> cells;
    for (const ColumnSpec& column : columns()) {
      const std::string_view name = column.name;
      std::string cell;
      if (name == "organization_id") cell = identifier(*organization, model::kOrganizationIdSystem);
      else if (name == "organization_name") cell = organization->string_at("name");
      else if (name == "organization_kind") cell = code_of(first(*organization, "type"), model::kRecipientKindSystem);
      else if (name == "municipality_code") cell = municipality_code;
      else if (name == "municipality_name") cell = whole_municipality ? std::string(area->string_at("name")) : std::string();
      else if (name == "ltc_insurer_number") cell = identifier(*organization, model::kLtcInsurerNumberSystem);
      else if (name == "recipient_mode") cell = str(mode ? mode->find("valueCode") : nullptr);
      else if (name == "endpoint_url") cell = endpoint_url;
      else if (name == "location_id") cell = identifier(*site, model::kSiteIdSystem);
      else if (name == "location_name") cell = site->string_at("name");
      else if (name == "postal_code") cell = address ? address->string_at("postalCode") : "";
      else if (name == "prefecture") cell = address ? address->string_at("state") : "";
      else if (name == "city") cell = address ? address->string_at("city") : "";
      else if (name == "address_line") cell = address && first(*address, "line") ? first(*address, "line")->text() : "";
      else if (name == "service_id") cell = service_id;
      else if (name == "service_name") cell = service.string_at("name");
      else if (name == "service_kind") cell = code_of(first(service, "category"), model::kRecipientKindSystem);
      else if (name == "service_description") cell = service.string_at("comment");
      else if (name == "need_categories") cell = join(needs);
      else if (name == "age_min") cell = age(range, "low").value_or("");
      else if (name == "age_max") cell = age(range, "high").value_or("");
      else if (name == "eligibility_text") cell = eligibility ? eligibility->string_at("comment") : "";
      else if (name == "area_id") cell = area_id;
      else if (name == "area_name") cell = area_id.empty() ? std::string() : std::string(area->string_at("name"));
      else if (name == "area_postal_codes") cell = join(extension_strings(*area, model::kAreaPostalCodeUrl));
      else if (name == "area_towns") cell = join(extension_strings(*area, model::kAreaTownUrl));
      else if (name == "capacity_status") cell = code_of(capacity_status ? capacity_status->find("valueCodeableConcept") : nullptr, model::kCapacityCodeSystem);
      else if (name == "capacity_notes") cell = str(capacity_notes ? capacity_notes->find("valueString") : nullptr);
      else if (name == "phone") cell = phone;
      else if (name == "email") cell = email;
      else if (name == "council_memberships") cell = join(extension_codes(*organization, model::kCouncilMembershipUrl, model::kCouncilSystem));
      cells.push_back(std::move(cell));
    }
    return cells;
  }

 private:
  storage::ResourceStore store_;
  std::ostream& report_;
  std::deque<fhir::json::Document> documents_;  // a deque: roots stay put as it grows
};

void write_line(std::ostream& out, const std::vector<std::string>& cells) {
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) out << ',';
    out << csv_field(cells[i]);
  }
  out << "\r\n";
}

}  // namespace

ExportSummary export_directory(storage::Database& database, std::ostream& out, std::ostream& report) {
  const storage::SqlValue params[] = {std::string("HealthcareService")};
  const auto bodies = database.reader()->query(
      "SELECT body FROM resources WHERE resource_type = ? AND deleted = 0", params);
  ExportSummary summary;
  std::vector<std::vector<std::string>> rows;
  for (const storage::SqlRow& result : bodies) {
    // Each service is read on its own: a document per service keeps memory bounded by the
    // directory, which is small (hundreds of rows for a region).
    Exporter exporter(database, report);
    const auto* body = std::get_if<std::string>(&result.at(0));
    if (!body) continue;
    fhir::json::ParseResult parsed = fhir::json::parse(*body);
    if (!parsed.document) {
      ++summary.skipped;
      continue;
    }
    if (auto cells = exporter.row_of(parsed.document->root())) {
      rows.push_back(std::move(*cells));
    } else if (!identifier(parsed.document->root(), model::kServiceIdSystem).empty()) {
      ++summary.skipped;
    }
  }
  std::size_t service_column = 0;
  std::vector<std::string> header;
  for (const ColumnSpec& column : columns()) {
    if (column.name == "service_id") service_column = header.size();
    header.emplace_back(column.name);
  }
  std::sort(rows.begin(), rows.end(),
            [&](const auto& a, const auto& b) { return a[service_column] < b[service_column]; });
  write_line(out, header);
  for (const auto& row : rows) write_line(out, row);
  summary.rows = rows.size();
  return summary;
}

}  // namespace socialrx::gateway::directory
