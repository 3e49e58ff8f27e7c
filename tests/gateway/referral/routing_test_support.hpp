#pragma once
// The demo directory (conf/directory/demo-directory.csv) as the FHIR resources the importer
// writes — built by the directory code itself, without a database — and as ServiceCandidates
// read from them, plus the shipped routing rules.

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "fhir/json.hpp"
#include "gateway/directory/csv_reader.hpp"
#include "gateway/directory/directory_resources.hpp"
#include "gateway/directory/directory_row.hpp"
#include "gateway/directory/text_encoding.hpp"
#include "gateway/referral/directory_candidates.hpp"
#include "gateway/referral/routing_rules.hpp"
#include "tests/gateway/directory/directory_test_support.hpp"

namespace socialrx::gateway::referral::testing {

inline std::string shipped_rules_path() {
  return std::string(SOCIALRX_SOURCE_DIR) + "/conf/routing/routing-rules.jsonc";
}

// The demo's resources keyed by "Type/id"; ids are the directory keys (organization_id,
// location_id, area key, service_id), so tests can name them.
class DemoDirectory {
 public:
  explicit DemoDirectory(const std::string& csv = directory::testing::demo_directory_text()) {
    const directory::DecodedText decoded = directory::decode_directory_bytes(csv);
    EXPECT_TRUE(decoded.ok);
    const auto records = directory::read_csv(decoded.utf8);
    const directory::Header header = directory::read_header(records.front());
    for (std::size_t i = 1; i < records.size(); ++i) {
      if (records[i].blank()) continue;
      const directory::RowResult result = directory::read_row(header, records[i]);
      EXPECT_TRUE(result.row.has_value()) << "demo row " << records[i].row;
      if (!result.row) continue;
      const directory::DirectoryRow& row = *result.row;
      const directory::ResourceIds ids{row.organization_id, row.organization_id, row.location_id, row.area_key(),
                                       row.service_id, ""};
      const directory::RowResources resources = directory::build_resources(row, ids);
      add("Organization", row.organization_id, resources.organization);
      if (!resources.endpoint.empty()) add("Endpoint", row.organization_id, resources.endpoint);
      add("Location", row.location_id, resources.site);
      add("Location", row.area_key(), resources.area);
      add("HealthcareService", row.service_id, resources.service);
      services_.push_back(row.service_id);
    }
  }

  // Replaces a resource (a test's variation of the demo).
  void add(const std::string& type, const std::string& id, const std::string& json) {
    auto parsed = fhir::json::parse(json);
    EXPECT_TRUE(parsed.document.has_value()) << json;
    fhir::json::Document document = std::move(*parsed.document);
    document.set_root(document.with_member(document.root(), "id", document.make_string(id)));
    resources_.insert_or_assign(type + "/" + id, std::move(document));
  }

  const fhir::json::Value* find(std::string_view reference) const {
    const auto found = resources_.find(std::string(reference));
    return found == resources_.end() ? nullptr : &found->second.root();
  }
  ResourceLookup lookup() const {
    return [this](std::string_view reference) { return find(reference); };
  }
  const fhir::json::Value& service(const std::string& service_id) const {
    const fhir::json::Value* found = find("HealthcareService/" + service_id);
    EXPECT_NE(found, nullptr) << service_id;
    return *found;
  }

  std::vector<ServiceCandidate> candidates() const {
    std::vector<ServiceCandidate> out;
    for (const std::string& id : services_) {
      if (auto candidate = read_candidate(service(id), lookup())) out.push_back(std::move(*candidate));
    }
    return out;
  }

 private:
  std::map<std::string, fhir::json::Document> resources_;
  std::vector<std::string> services_;
};

}  // namespace socialrx::gateway::referral::testing
