#pragma once
// Helpers shared by the Questionnaire engine tests: loading test Questionnaires and responses,
// and listing issues as "code expression" lines that EXPECT_EQ can compare and print.

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "fhir/json.hpp"
#include "fhir/outcome.hpp"
#include "fhir/questionnaire/questionnaire_index.hpp"

namespace socialrx::fhir::questionnaire::testing {

inline std::string read_data(const std::string& name) {
  std::ifstream in(std::string(SOCIALRX_TEST_DATA_DIR) + "/questionnaire/data/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline json::Document parse_json(std::string_view text) {
  json::ParseResult parsed = json::parse(text);
  if (!parsed.document) {
    ADD_FAILURE() << "test JSON does not parse: " << to_operation_outcome_json(parsed.issues);
    return json::Document();
  }
  return std::move(*parsed.document);
}

inline LoadResult load_text(std::string_view text) { return QuestionnaireIndex::load(parse_json(text)); }

// A Questionnaire file from data/ that must load without errors.
inline std::shared_ptr<const QuestionnaireIndex> load_file(const std::string& name) {
  LoadResult loaded = load_text(read_data(name));
  EXPECT_FALSE(loaded.issues.has_errors()) << name << ": " << to_operation_outcome_json(loaded.issues);
  return loaded.index;
}

// "code expression" of every issue of this severity, in order.
inline std::vector<std::string> listed(const Issues& issues, Severity severity = Severity::error) {
  std::vector<std::string> lines;
  for (const Issue& issue : issues) {
    if (issue.severity != severity) continue;
    lines.push_back(std::string(to_code(issue.code)) + " " + issue.expression);
  }
  return lines;
}

inline bool contains(const Issues& issues, std::string_view line) {
  for (const std::string& listed_line : listed(issues)) {
    if (listed_line == line) return true;
  }
  return false;
}

}  // namespace socialrx::fhir::questionnaire::testing
