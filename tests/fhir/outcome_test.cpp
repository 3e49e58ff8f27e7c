#include "fhir/outcome.hpp"

#include <gtest/gtest.h>

#include "fhir/json.hpp"
#include "fhir/validator.hpp"

namespace socialrx::fhir {
namespace {

TEST(OperationOutcome, EveryIssueWithCodeSeverityPathAndDiagnostics) {
  Issues issues;
  issues.error(IssueType::code_invalid, "Task.status", "the code \"open\" is not allowed");
  issues.warning(IssueType::value, "", "lenient check digit");
  const std::string json = to_operation_outcome_json(issues);
  auto parsed = parse_and_validate(json);
  ASSERT_TRUE(parsed.valid()) << json;
  const auto& list = parsed.document->root().find("issue")->items();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].string_at("severity"), "error");
  EXPECT_EQ(list[0].string_at("code"), "code-invalid");
  EXPECT_EQ(list[0].find("expression")->items()[0].text(), "Task.status");
  EXPECT_EQ(list[1].string_at("severity"), "warning");
  EXPECT_EQ(list[1].find("expression"), nullptr);  // no empty arrays (ele-1)
}

TEST(OperationOutcome, NoIssuesIsStillAValidOutcome) {
  auto parsed = parse_and_validate(to_operation_outcome_json(Issues()));
  EXPECT_TRUE(parsed.valid());
}

}  // namespace
}  // namespace socialrx::fhir
