#pragma once
// Fixtures of the referral library tests (tests/gateway/referral/fixtures/): read, parsed, and
// checked by fhir::validate_resource, so that every resource a test feeds the gate or the state
// machine is one the REST API would have accepted.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "fhir/date_time.hpp"
#include "fhir/json.hpp"
#include "fhir/outcome.hpp"
#include "fhir/validator.hpp"

namespace socialrx::gateway::referral::fixtures {

inline std::string fixture_dir() { return std::string(SOCIALRX_SOURCE_DIR) + "/tests/gateway/referral/fixtures/"; }

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline fhir::json::Document parse_json(const std::string& text) {
  auto parsed = fhir::json::parse(text);
  EXPECT_TRUE(parsed.document.has_value()) << text;
  return parsed.document ? std::move(*parsed.document) : fhir::json::Document();
}

// Fails the current test unless the resource passes fhir/ validation.
inline void expect_valid(const fhir::json::Value& resource) {
  const fhir::Issues issues = fhir::validate_resource(resource);
  EXPECT_FALSE(issues.has_errors()) << fhir::to_operation_outcome_json(issues) << "\n"
                                    << fhir::json::serialize(resource);
}

// A fixture file by name ("consent-permit-org.json"), validated.
inline fhir::json::Document fixture(std::string_view name) {
  fhir::json::Document document = parse_json(read_text(fixture_dir() + std::string(name)));
  expect_valid(document.root());
  return document;
}

// Parses inline JSON and validates it.
inline fhir::json::Document resource(const std::string& json) {
  fhir::json::Document document = parse_json(json);
  expect_valid(document.root());
  return document;
}

// The Unix epoch milliseconds of a FHIR instant, e.g. "2025-12-10T12:00:00+09:00".
inline std::int64_t at(std::string_view instant) {
  const auto range = fhir::time_range(instant);
  EXPECT_TRUE(range.has_value()) << instant;
  return range ? range->low_ms : 0;
}

}  // namespace socialrx::gateway::referral::fixtures
