// Directory rows → FHIR resources: the row checks (row and column named), the resources each
// row yields, and that every one of them passes fhir::validate_resource.

#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "fhir/jp_identifiers.hpp"
#include "fhir/json.hpp"
#include "fhir/validator.hpp"
#include "gateway/directory/code_tables.hpp"
#include "gateway/directory/directory_model.hpp"
#include "gateway/directory/directory_resources.hpp"
#include "gateway/directory/directory_row.hpp"
#include "gateway/directory/text_encoding.hpp"
#include "tests/gateway/directory/directory_test_support.hpp"

namespace socialrx::gateway::directory {
namespace {

const ResourceIds kIds{"org-1", "endpoint-1", "site-1", "area-1", "service-1", ""};

std::vector<CsvRecord> demo_records() {
  const DecodedText decoded = decode_directory_bytes(testing::demo_directory_text());
  EXPECT_TRUE(decoded.ok);
  return read_csv(decoded.utf8);
}

// The demo's header and one data row with some cells replaced.
RowResult read_variant(std::size_t demo_row, const std::vector<std::pair<std::string, std::string>>& changes) {
  auto records = demo_records();
  const Header header = read_header(records.front());
  CsvRecord record = records.at(demo_row - 1);
  for (const auto& [column, value] : changes) {
    for (std::size_t c = 0; c < columns().size(); ++c) {
      if (columns()[c].name == column) record.fields.at(static_cast<std::size_t>(header.field_of_column[c])) = value;
    }
  }
  return read_row(header, record);
}

fhir::json::Document parse(const std::string& json) {
  auto parsed = fhir::json::parse(json);
  EXPECT_TRUE(parsed.document.has_value()) << json;
  return std::move(*parsed.document);
}

void expect_valid(const std::string& json) {
  auto document = parse(json);
  const fhir::Issues issues = fhir::validate_resource(document.root());
  EXPECT_FALSE(issues.has_errors()) << fhir::to_operation_outcome_json(issues) << "\n" << json;
}

TEST(DirectoryMapping, DemoMunicipalityCodesHaveValidCheckDigits) {
  EXPECT_TRUE(fhir::jp::check_local_government_code("992011").valid);
  EXPECT_EQ(fhir::jp::compute_local_government_code_check_digit("99201"), '1');
  EXPECT_TRUE(fhir::jp::check_ltc_insurer_number("992016").valid);
}

TEST(DirectoryMapping, CodeTablesMatchThePublishedCodeSystems) {
  const std::pair<const char*, std::span<const Code>> files[] = {
      {"codesystem-recipient-kind.json", recipient_kinds()}, {"codesystem-sdh-domain.json", sdh_domains()}};
  for (const auto& [file, table] : files) {
    std::ifstream in(std::string(SOCIALRX_SOURCE_DIR) + "/conf/questionnaires/" + file);
    std::stringstream text;
    text << in.rdbuf();
    auto document = parse(text.str());
    std::set<std::pair<std::string, std::string>> published;
    for (const auto& codeable : document.root().find("concept")->items()) {
      published.emplace(codeable.string_at("code"), codeable.string_at("display"));
    }
    std::set<std::pair<std::string, std::string>> ours;
    for (const Code& code : table) ours.emplace(code.code, code.display);
    EXPECT_EQ(ours, published) << file;
  }
}

TEST(DirectoryMapping, EveryDemoRowIsGoodAndEveryResourceValidates) {
  const auto records = demo_records();
  ASSERT_GT(records.size(), 10u);
  const Header header = read_header(records.front());
  EXPECT_TRUE(header.errors.empty());
  EXPECT_TRUE(header.warnings.empty());
  std::set<std::string> kinds;
  std::set<std::string> capacity;
  std::size_t full = 0;
  for (std::size_t i = 1; i < records.size(); ++i) {
    const RowResult result = read_row(header, records[i]);
    ASSERT_TRUE(result.row) << "row " << records[i].row << ": " << result.issues.front().column << ": "
                            << result.issues.front().problem;
    const RowResources resources = build_resources(*result.row, kIds);
    for (const std::string* json : {&resources.organization, &resources.site, &resources.area, &resources.service}) {
      expect_valid(*json);
    }
    if (!resources.endpoint.empty()) {
      expect_valid(resources.endpoint);
      ++full;
    }
    kinds.insert(result.row->organization_kind);
    capacity.insert(result.row->capacity_status);
  }
  EXPECT_EQ(kinds.size(), recipient_kinds().size());  // every kind of recipient is in the demo
  EXPECT_TRUE(capacity.contains("no-capacity"));
  EXPECT_TRUE(capacity.contains("waitlist"));
  EXPECT_EQ(full, 1u);
}

TEST(DirectoryMapping, TheDemoReadsTheSameInCp932) {
  const std::string utf8 = testing::demo_directory_text();
  const std::string cp932 = testing::to_cp932(utf8);
  ASSERT_FALSE(cp932.empty());
  const DecodedText decoded = decode_directory_bytes(cp932);
  ASSERT_TRUE(decoded.ok) << decoded.problem;
  EXPECT_EQ(decoded.encoding, "CP932");
  EXPECT_EQ(decoded.utf8, utf8);
}

TEST(DirectoryMapping, FullRecipientRowYieldsEveryResource) {
  const RowResult result = read_variant(2, {});  // 北部地域包括支援センター: full, 65+, area kita
  ASSERT_TRUE(result.row);
  const RowResources resources = build_resources(*result.row, kIds);

  auto organization = parse(resources.organization);
  EXPECT_EQ(organization.root().string_at("name"), "みどり市北部地域包括支援センター");
  const auto& org_ids = organization.root().find("identifier")->items();
  EXPECT_EQ(org_ids[0].string_at("system"), model::kOrganizationIdSystem);
  EXPECT_EQ(org_ids[0].string_at("value"), "midori-houkatsu-kita");
  EXPECT_EQ(organization.root().find("endpoint")->items()[0].string_at("reference"), "Endpoint/endpoint-1");
  EXPECT_NE(resources.organization.find(R"({"url":")" + std::string(model::kLocalGovernmentCodeUrl) +
                                        R"(","valueCode":"992011"})"),
            std::string::npos);

  auto endpoint = parse(resources.endpoint);
  EXPECT_EQ(endpoint.root().string_at("address"), "https://houkatsu-kita.midori.example/fhir");
  EXPECT_EQ(endpoint.root().find("connectionType")->string_at("code"), "hl7-fhir-rest");

  auto service = parse(resources.service);
  const auto& root = service.root();
  EXPECT_EQ(root.find("providedBy")->string_at("reference"), "Organization/org-1");
  EXPECT_EQ(root.find("category")->items()[0].find("coding")->items()[0].string_at("code"), "chiiki-houkatsu");
  ASSERT_EQ(root.find("type")->size(), 4u);
  EXPECT_EQ(root.find("type")->items()[0].find("coding")->items()[0].string_at("system"), model::kSdhDomainSystem);
  EXPECT_EQ(root.find("coverageArea")->items()[0].string_at("reference"), "Location/area-1");
  EXPECT_EQ(root.find("location")->items()[0].string_at("reference"), "Location/site-1");
  EXPECT_EQ(root.find("endpoint")->items()[0].string_at("reference"), "Endpoint/endpoint-1");
  const auto& eligibility = root.find("eligibility")->items()[0];
  EXPECT_EQ(eligibility.find("code")->find("coding")->items()[0].string_at("code"), "age");
  const auto* range = eligibility.find("extension")->items()[0].find("valueRange");
  EXPECT_EQ(range->find("low")->find("value")->text(), "65");
  EXPECT_EQ(range->find("high"), nullptr);
  EXPECT_NE(resources.service.find(R"("url":"capacityStatus","valueCodeableConcept":{"coding":[{"system":")" +
                                   std::string(model::kCapacityCodeSystem) + R"(","code":"capacity")"),
            std::string::npos)
      << resources.service;

  auto area = parse(resources.area);
  EXPECT_EQ(area.root().find("identifier")->items()[0].string_at("value"), "992011-kita");
  EXPECT_EQ(area.root().string_at("name"), "北部圏域");
  std::vector<std::string> postal;
  std::vector<std::string> towns;
  for (const auto& extension : area.root().find("extension")->items()) {
    if (extension.string_at("url") == model::kAreaPostalCodeUrl) postal.emplace_back(extension.string_at("valueString"));
    if (extension.string_at("url") == model::kAreaTownUrl) towns.emplace_back(extension.string_at("valueString"));
  }
  EXPECT_EQ(postal, (std::vector<std::string>{"999-0101", "999-0102"}));
  EXPECT_EQ(towns, (std::vector<std::string>{"みどり町一丁目", "みどり町二丁目", "北山"}));

  auto site = parse(resources.site);
  EXPECT_EQ(site.root().find("address")->string_at("postalCode"), "999-0101");
  EXPECT_EQ(site.root().find("address")->string_at("text"), "架空県みどり市北山1-2-3");
}

TEST(DirectoryMapping, LightWholeMunicipalityRowHasNoEndpointAndAJurisdiction) {
  const RowResult result = read_variant(5, {});  // こども家庭センター: light, whole municipality, 0–17
  ASSERT_TRUE(result.row);
  const RowResources resources = build_resources(*result.row, kIds);
  EXPECT_TRUE(resources.endpoint.empty());
  auto service = parse(resources.service);
  EXPECT_EQ(service.root().find("endpoint"), nullptr);
  EXPECT_NE(resources.service.find(R"({"url":")" + std::string(model::kRecipientModeUrl) + R"(","valueCode":"light"})"),
            std::string::npos);
  auto area = parse(resources.area);
  EXPECT_EQ(area.root().find("identifier")->items()[0].string_at("value"), "992011");
  EXPECT_EQ(area.root().string_at("name"), "みどり市");
  EXPECT_NE(resources.area.find(R"("code":"jdn")"), std::string::npos);
}

TEST(DirectoryMapping, BadCellsAreReportedWithTheirColumns) {
  const RowResult result = read_variant(3, {{"municipality_code", "992012"},
                                            {"organization_kind", "hospital"},
                                            {"need_categories", "food;unknown-need"},
                                            {"age_min", "70"},
                                            {"age_max", "12"},
                                            {"capacity_status", "full"},
                                            {"postal_code", "12-345"},
                                            {"endpoint_url", "https://x.example/fhir"},
                                            {"service_id", "has space"},
                                            {"email", "nobody"}});
  EXPECT_FALSE(result.row);
  std::set<std::string> columns;
  for (const RowIssue& issue : result.issues) {
    columns.insert(issue.column);
    EXPECT_EQ(issue.row, 3u);
  }
  EXPECT_EQ(columns, (std::set<std::string>{"municipality_code", "organization_kind", "need_categories", "age_max",
                                            "capacity_status", "postal_code", "endpoint_url", "service_id", "email"}));
}

TEST(DirectoryMapping, RequiredCellsAndReachRules) {
  EXPECT_FALSE(read_variant(3, {{"service_name", "  "}}).row);
  const RowResult full_without_url = read_variant(3, {{"recipient_mode", "full"}});
  ASSERT_FALSE(full_without_url.row);
  EXPECT_EQ(full_without_url.issues.front().column, "endpoint_url");
  const RowResult area_without_lists = read_variant(3, {{"area_postal_codes", ""}, {"area_towns", ""}});
  ASSERT_FALSE(area_without_lists.row);
  EXPECT_EQ(area_without_lists.issues.front().column, "area_postal_codes");
  // Full-width digits and U+3000 padding are read as a person typed them.
  const RowResult full_width = read_variant(3, {{"municipality_code", "\xE3\x80\x80９９２０１１"}});
  ASSERT_TRUE(full_width.row);
  EXPECT_EQ(full_width.row->municipality_code, "992011");
  // Lists take ';', '；' and '、'.
  EXPECT_EQ(split_list("food； housing、 debt;;"), (std::vector<std::string>{"food", "housing", "debt"}));
}

TEST(DirectoryMapping, CouncilsAreTheCouncilCodesOfTheDisclosureBasisCodeSystem) {
  std::ifstream in(std::string(SOCIALRX_SOURCE_DIR) + "/conf/questionnaires/codesystem-disclosure-basis.json");
  std::stringstream text;
  text << in.rdbuf();
  auto document = parse(text.str());
  std::set<std::pair<std::string, std::string>> published;
  for (const auto& concept_entry : document.root().find("concept")->items()) {
    const fhir::json::Value* properties = concept_entry.find("property");
    if (properties == nullptr) continue;
    for (const auto& property : properties->items()) {
      const fhir::json::Value* flag = property.find("valueBoolean");
      if (property.string_at("code") == "council" && flag != nullptr && flag->as_bool()) {
        published.emplace(concept_entry.string_at("code"), concept_entry.string_at("display"));
      }
    }
  }
  std::set<std::pair<std::string, std::string>> ours;
  for (const Code& code : councils()) ours.emplace(code.code, code.display);
  EXPECT_EQ(ours, published);
  EXPECT_EQ(model::kCouncilSystem, "https://socialrx.jp/fhir/CodeSystem/disclosure-basis");
}

TEST(DirectoryMapping, CouncilMembershipsBecomeOrganizationExtensions) {
  // The demo's 社会福祉協議会 (rows 7 and 8) is a member of the 孤独・孤立対策地域協議会; no one else is.
  const auto records = demo_records();
  const Header header = read_header(records.front());
  for (std::size_t i = 1; i < records.size(); ++i) {
    const RowResult result = read_row(header, records[i]);
    ASSERT_TRUE(result.row);
    const bool shakyo = result.row->organization_id == "midori-shakyo";
    EXPECT_EQ(result.row->council_memberships,
              shakyo ? std::vector<std::string>{"isolation-council"} : std::vector<std::string>{});
  }
  const RowResult both = read_variant(7, {{"council_memberships", "isolation-council；community-care-meeting;isolation-council"}});
  ASSERT_TRUE(both.row);
  EXPECT_EQ(both.row->council_memberships, (std::vector<std::string>{"isolation-council", "community-care-meeting"}));
  const RowResources resources = build_resources(*both.row, kIds);
  expect_valid(resources.organization);
  EXPECT_NE(resources.organization.find(
                R"({"url":"https://socialrx.jp/fhir/StructureDefinition/council-membership","valueCoding":{"system":"https://socialrx.jp/fhir/CodeSystem/disclosure-basis","code":"community-care-meeting","display":"地域ケア会議"}})"),
            std::string::npos)
      << resources.organization;
}

TEST(DirectoryMapping, AnUnknownCouncilIsReportedWithItsRowAndColumn) {
  const RowResult result = read_variant(4, {{"council_memberships", "isolation-council;neighbourhood-watch"}});
  ASSERT_FALSE(result.row);
  ASSERT_EQ(result.issues.size(), 1u);
  EXPECT_EQ(result.issues[0].row, 4u);
  EXPECT_EQ(result.issues[0].column, "council_memberships");
  EXPECT_NE(result.issues[0].problem.find("'neighbourhood-watch' is not one of child-welfare-council, isolation-council, "
                                          "community-care-meeting"),
            std::string::npos)
      << result.issues[0].problem;
}

TEST(DirectoryMapping, HeaderProblems) {
  const auto missing = read_header(read_csv("organization_id,organization_name,extra\n").front());
  EXPECT_FALSE(missing.errors.empty());
  ASSERT_EQ(missing.warnings.size(), 1u);
  EXPECT_EQ(missing.warnings[0].column, "extra");
  auto records = demo_records();
  records.front().fields.push_back("service_id");
  const Header twice = read_header(records.front());
  ASSERT_EQ(twice.errors.size(), 1u);
  EXPECT_EQ(twice.errors[0].column, "service_id");
}

}  // namespace
}  // namespace socialrx::gateway::directory
