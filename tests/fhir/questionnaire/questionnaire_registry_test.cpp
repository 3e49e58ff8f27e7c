#include "fhir/questionnaire/questionnaire_registry.hpp"

#include <gtest/gtest.h>

#include "tests/fhir/questionnaire/test_support.hpp"

namespace socialrx::fhir::questionnaire {
namespace {

using testing::listed;
using testing::parse_json;
using testing::read_data;

json::Document questionnaire(std::string_view url, std::string_view version) {
  return parse_json(R"({"resourceType":"Questionnaire","url":")" + std::string(url) +
                    R"(","version":")" + std::string(version) +
                    R"(","status":"active","item":[{"linkId":"a","type":"string"}]})");
}

constexpr std::string_view kUrl = "https://socialrx.jp/fhir/Questionnaire/sdh-screening";

TEST(QuestionnaireRegistry, FindsByUrlAndVersionOrLatest) {
  QuestionnaireRegistry registry;
  for (const char* version : {"1.9.2", "1.10.0", "1.0.0", "1.10.0-rc.1"}) {
    EXPECT_TRUE(registry.add(questionnaire(kUrl, version)).empty()) << version;
  }
  EXPECT_TRUE(registry.add(parse_json(read_data("household.json"))).empty());
  EXPECT_EQ(registry.size(), 5u);
  ASSERT_TRUE(registry.find(kUrl));
  EXPECT_EQ(registry.find(kUrl)->version(), "1.10.0");
  EXPECT_EQ(registry.find(std::string(kUrl) + "|1.9.2")->version(), "1.9.2");
  EXPECT_EQ(registry.find(std::string(kUrl) + "|1.10.0-rc.1")->version(), "1.10.0-rc.1");
  EXPECT_EQ(registry.find(std::string(kUrl) + "|2.0.0"), nullptr);
  EXPECT_EQ(registry.find("https://socialrx.jp/fhir/Questionnaire/unknown"), nullptr);
  EXPECT_EQ(registry.find("https://socialrx.jp/fhir/Questionnaire/test-household")->version(), "1.0.0");
  EXPECT_EQ(registry.all().size(), 5u);
}

TEST(QuestionnaireRegistry, RefusesDuplicatesMissingIdentityAndLoadErrors) {
  QuestionnaireRegistry registry;
  EXPECT_TRUE(registry.add(questionnaire(kUrl, "1.0.0")).empty());
  EXPECT_EQ(listed(registry.add(questionnaire(kUrl, "1.0.0"))),
            std::vector<std::string>{"duplicate Questionnaire.version"});
  EXPECT_EQ(listed(registry.add(questionnaire("", "1.0.0"))),
            std::vector<std::string>{"required Questionnaire.url"});
  EXPECT_EQ(listed(registry.add(questionnaire(std::string(kUrl) + "-x", ""))),
            std::vector<std::string>{"required Questionnaire.version"});
  const Issues load_errors = registry.add(parse_json(read_data("load-errors.json")));
  EXPECT_TRUE(load_errors.has_errors());
  EXPECT_EQ(registry.find("https://socialrx.jp/fhir/Questionnaire/test-load-errors"), nullptr);
  EXPECT_EQ(registry.size(), 1u);
}

TEST(QuestionnaireRegistry, SemanticVersionOrder) {
  EXPECT_LT(compare_versions("1.9.0", "1.10.0"), 0);
  EXPECT_GT(compare_versions("2.0.0", "1.99.99"), 0);
  EXPECT_EQ(compare_versions("1.0.0", "1.0.0"), 0);
  EXPECT_LT(compare_versions("1.0.0-rc.1", "1.0.0"), 0);
  EXPECT_LT(compare_versions("1.0.0-alpha", "1.0.0-beta"), 0);
  EXPECT_LT(compare_versions("1.0.0-rc.2", "1.0.0-rc.10"), 0);
  EXPECT_LT(compare_versions("1.0.0-1", "1.0.0-alpha"), 0);
  EXPECT_EQ(compare_versions("1.0.0+build.5", "1.0.0"), 0);
  EXPECT_LT(compare_versions("1.0", "1.0.1"), 0);
}

}  // namespace
}  // namespace socialrx::fhir::questionnaire
