#pragma once
// An expected refusal inside a write job (precondition failed, ambiguous conditional match…):
// the job's savepoint is rolled back and the client gets this status and outcome.

#include <stdexcept>

#include "fhir/outcome.hpp"
#include "gateway/rest/responses.hpp"

namespace socialrx::gateway::rest {

struct WriteRefused : std::runtime_error {
  WriteRefused(Status status, fhir::IssueType code, const std::string& diagnostics,
               std::string expression = {})
      : std::runtime_error(diagnostics), status(status) {
    issues.error(code, std::move(expression), diagnostics);
  }
  Status status;
  fhir::Issues issues;
};

}  // namespace socialrx::gateway::rest
