#include "gateway/directory/directory_import.hpp"

#include <fstream>
#include <map>
#include <ostream>
#include <sstream>
#include <utility>
#include <vector>

#include "fhir/json.hpp"
#include "fhir/validator.hpp"
#include "gateway/directory/directory_model.hpp"
#include "gateway/directory/directory_resources.hpp"
#include "gateway/directory/text_encoding.hpp"
#include "gateway/rest/resource_upsert.hpp"

namespace socialrx::gateway::directory {
namespace {

using Fields = std::vector<std::pair<std::string_view, std::string>>;

std::string joined(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : ";") + item;
  return text;
}

// The columns that describe a shared organization, site or area; rows naming the same one must
// agree on them.
Fields organization_fields(const DirectoryRow& row) {
  return {{"organization_name", row.organization_name}, {"organization_kind", row.organization_kind},
          {"municipality_code", row.municipality_code}, {"ltc_insurer_number", row.ltc_insurer_number},
          {"recipient_mode", row.recipient_mode},       {"endpoint_url", row.endpoint_url},
          {"council_memberships", joined(row.council_memberships)}};
}
Fields site_fields(const DirectoryRow& row) {
  return {{"location_name", row.location_name},
          {"postal_code", row.postal_code},         {"prefecture", row.prefecture},
          {"city", row.city},                       {"address_line", row.address_line}};
}
Fields area_fields(const DirectoryRow& row) {
  Fields fields{{"area_name", row.area_name},
                {"area_postal_codes", joined(row.area_postal_codes)},
                {"area_towns", joined(row.area_towns)}};
  if (row.area_id.empty()) fields.emplace_back("municipality_name", row.municipality_name);
  return fields;
}

struct FirstSeen {
  std::size_t row;
  Fields fields;
};

// The organization id in an existing site's managingOrganization, or empty. A site keeps the
// owner it was created with: rows of another organization sharing the building (or the same
// rows in another order, as in an export) must not move it back and forth.
std::string stored_site_owner(storage::WriteTransaction& transaction, const std::string& site_id) {
  const auto current = transaction.current("Location", site_id);
  if (!current || current->deleted) return {};
  const fhir::json::ParseResult parsed = fhir::json::parse(current->body);
  if (!parsed.document) return {};
  const fhir::json::Value* owner = parsed.document->root().find("managingOrganization");
  const std::string_view reference = owner ? owner->string_at("reference") : std::string_view();
  constexpr std::string_view kPrefix = "Organization/";
  return reference.starts_with(kPrefix) ? std::string(reference.substr(kPrefix.size())) : std::string();
}

class Importer {
 public:
  Importer(std::string_view label, storage::WriteQueue& writes, std::ostream& report)
      : label_(label), writes_(writes), report_(report) {}

  void run(std::string_view bytes, const ImportOptions& options) {
    if (bytes.size() > options.max_file_bytes) {
      refuse_file("larger than " + std::to_string(options.max_file_bytes) + " bytes");
      return;
    }
    const DecodedText decoded = decode_directory_bytes(bytes);
    summary_.encoding = decoded.encoding;
    if (!decoded.ok) {
      refuse_file(decoded.problem);
      return;
    }
    const std::vector<CsvRecord> records = read_csv(decoded.utf8, options.limits);
    if (records.empty()) {
      refuse_file("empty: a header row is required");
      return;
    }
    const Header header = read_header(records.front());
    for (const RowIssue& warning : header.warnings) print(warning, "warning: ");
    if (!header.errors.empty()) {
      for (const RowIssue& error : header.errors) print(error);
      summary_.file_refused = true;
      return;
    }
    for (std::size_t i = 1; i < records.size(); ++i) {
      if (records[i].blank()) continue;
      ++summary_.rows;
      import_record(header, records[i]);
    }
  }

  const ImportSummary& summary() const { return summary_; }
  void refuse_file(const std::string& problem) {
    summary_.file_refused = true;
    report_ << label_ << ": " << problem << " (nothing imported)\n";
  }

 private:
  void print(const RowIssue& issue, std::string_view prefix = {}) {
    report_ << label_ << ": " << prefix << "row " << issue.row;
    if (issue.line != issue.row) report_ << " (line " << issue.line << ")";
    if (!issue.column.empty()) report_ << ", column " << issue.column;
    report_ << ": " << issue.problem << '\n';
  }

  void refuse(const CsvRecord& record, std::string column, std::string problem) {
    print({record.row, record.line, std::move(column), std::move(problem)});
  }

  void import_record(const Header& header, const CsvRecord& record) {
    RowResult result = read_row(header, record);
    if (!result.row) {
      for (const RowIssue& issue : result.issues) print(issue);
      ++summary_.refused;
      return;
    }
    const DirectoryRow& row = *result.row;
    if (!consistent(record, row)) {
      ++summary_.refused;
      return;
    }
    if (!valid_fhir(record, row) || !write(record, row)) {
      ++summary_.refused;
      return;
    }
    remember(row);
    ++summary_.imported;
  }

  // A later row naming a known organization, site, area or service must agree with the first.
  bool consistent(const CsvRecord& record, const DirectoryRow& row) {
    bool ok = true;
    if (auto seen = services_.find(row.service_id); seen != services_.end()) {
      refuse(record, "service_id", "'" + row.service_id + "' is already used by row " + std::to_string(seen->second));
      ok = false;
    }
    ok = agrees(record, organizations_, row.organization_id, organization_fields(row), "organization_id") && ok;
    ok = agrees(record, sites_, row.location_id, site_fields(row), "location_id") && ok;
    ok = agrees(record, areas_, row.area_key(), area_fields(row), "area_id") && ok;
    return ok;
  }

  bool agrees(const CsvRecord& record, const std::map<std::string, FirstSeen>& known, const std::string& key,
              const Fields& fields, std::string_view what) {
    const auto seen = known.find(key);
    if (seen == known.end()) return true;
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (fields[i].second != seen->second.fields[i].second) {
        refuse(record, std::string(fields[i].first),
               "differs from row " + std::to_string(seen->second.row) + " for the same " + std::string(what) +
                   " '" + key + "'");
        return false;
      }
    }
    return true;
  }

  void remember(const DirectoryRow& row) {
    services_.emplace(row.service_id, row.row);
    organizations_.emplace(row.organization_id, FirstSeen{row.row, organization_fields(row)});
    sites_.emplace(row.location_id, FirstSeen{row.row, site_fields(row)});
    site_owners_.emplace(row.location_id, row.organization_id);
    areas_.emplace(row.area_key(), FirstSeen{row.row, area_fields(row)});
  }

  // The same checks as a REST write, before anything is written. The ids are placeholders: the
  // real ones (resolved in the write job) change no structure.
  bool valid_fhir(const CsvRecord& record, const DirectoryRow& row) {
    const std::string placeholder = "00000000-0000-4000-8000-000000000000";
    const RowResources resources = build_resources(row, {placeholder, placeholder, placeholder, placeholder, placeholder, ""});
    bool ok = true;
    for (const std::string* json : {&resources.organization, &resources.endpoint, &resources.site,
                                    &resources.area, &resources.service}) {
      if (json->empty()) continue;
      fhir::json::ParseResult parsed = fhir::json::parse(*json);
      const fhir::Issues issues = parsed.document ? fhir::validate_resource(parsed.document->root()) : parsed.issues;
      for (const fhir::Issue& issue : issues.items()) {
        if (issue.severity != fhir::Severity::error && issue.severity != fhir::Severity::fatal) continue;
        refuse(record, "", "FHIR " + issue.expression + ": " + issue.diagnostics);
        ok = false;
      }
    }
    return ok;
  }

  bool write(const CsvRecord& record, const DirectoryRow& row) {
    const auto owner = site_owners_.find(row.location_id);
    const std::string site_owner = owner != site_owners_.end() ? owner->second : row.organization_id;
    std::size_t written = 0;
    std::size_t unchanged = 0;
    try {
      writes_.run([&](storage::WriteTransaction& transaction) {
        written = unchanged = 0;  // a retried job starts over
        ResourceIds ids;
        ids.organization = rest::resolve_id(transaction, "Organization", model::kOrganizationIdSystem, row.organization_id);
        if (row.recipient_mode == "full") {
          ids.endpoint = rest::resolve_id(transaction, "Endpoint", model::kEndpointIdSystem, row.organization_id);
        }
        ids.site = rest::resolve_id(transaction, "Location", model::kSiteIdSystem, row.location_id);
        ids.site_organization = stored_site_owner(transaction, ids.site);
        if (ids.site_organization.empty() && site_owner != row.organization_id) {
          ids.site_organization = rest::resolve_id(transaction, "Organization", model::kOrganizationIdSystem, site_owner);
        }
        ids.area = rest::resolve_id(transaction, "Location", model::kAreaIdSystem, row.area_key());
        ids.service = rest::resolve_id(transaction, "HealthcareService", model::kServiceIdSystem, row.service_id);
        const RowResources resources = build_resources(row, ids);
        const std::pair<const char*, const std::string*> targets[] = {
            {"Organization", &resources.organization}, {"Endpoint", &resources.endpoint},
            {"Location", &resources.site},             {"Location", &resources.area},
            {"HealthcareService", &resources.service}};
        const std::string* target_ids[] = {&ids.organization, &ids.endpoint, &ids.site, &ids.area, &ids.service};
        for (std::size_t i = 0; i < std::size(targets); ++i) {
          if (targets[i].second->empty()) continue;
          if (rest::write_if_changed(transaction, targets[i].first, *target_ids[i], *targets[i].second)) {
            ++written;
          } else {
            ++unchanged;
          }
        }
      });
    } catch (const std::exception& failure) {
      refuse(record, "", std::string("not stored: ") + failure.what());
      return false;
    }
    summary_.resources_written += written;
    summary_.resources_unchanged += unchanged;
    return true;
  }

  std::string label_;
  storage::WriteQueue& writes_;
  std::ostream& report_;
  ImportSummary summary_;
  std::map<std::string, std::size_t> services_;
  std::map<std::string, FirstSeen> organizations_;
  std::map<std::string, FirstSeen> sites_;
  std::map<std::string, std::string> site_owners_;  // location_id → organization_id of its first row
  std::map<std::string, FirstSeen> areas_;
};

}  // namespace

ImportSummary import_directory(std::string_view bytes, std::string_view label, storage::WriteQueue& writes,
                               std::ostream& report, const ImportOptions& options) {
  Importer importer(label, writes, report);
  importer.run(bytes, options);
  return importer.summary();
}

ImportSummary import_directory_file(const std::filesystem::path& path, storage::WriteQueue& writes,
                                    std::ostream& report, const ImportOptions& options) {
  const std::string label = path.string();
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  Importer importer(label, writes, report);
  if (error) {
    importer.refuse_file("cannot be read: " + error.message());
    return importer.summary();
  }
  if (size > options.max_file_bytes) {
    importer.refuse_file("larger than " + std::to_string(options.max_file_bytes) + " bytes");
    return importer.summary();
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (!in && !in.eof()) {
    importer.refuse_file("cannot be read");
    return importer.summary();
  }
  importer.run(bytes.str(), options);
  return importer.summary();
}

std::string summary_line(std::string_view label, const ImportSummary& summary) {
  std::string line = std::string(label) + ": ";
  if (summary.file_refused) return line + "refused, nothing imported";
  line += std::to_string(summary.rows) + " rows (" + summary.encoding + "): " + std::to_string(summary.imported) +
          " imported (" + std::to_string(summary.resources_written) + " resources new or changed, " +
          std::to_string(summary.resources_unchanged) + " unchanged), " + std::to_string(summary.refused) +
          " refused";
  return line;
}

}  // namespace socialrx::gateway::directory
