#pragma once
// What happens to a QuestionnaireResponse the gateway receives (issue #4): it is checked against
// its Questionnaire (conf/questionnaires), scored (calculated answers filled in when the response
// lacks them), and, when completed or amended and extraction is wanted, extracted into a
// transaction Bundle of Observations, Conditions and proposed ServiceRequests.

#include <optional>
#include <string>

#include "fhir/json.hpp"
#include "fhir/outcome.hpp"
#include "gateway/assessment/questionnaire_library.hpp"

namespace socialrx::gateway::assessment {

struct ProcessedResponse {
  fhir::Issues issues;                      // with errors: refuse the response (422)
  std::optional<std::string> filled_json;   // the response with calculated answers filled in
  std::string extraction_bundle;            // transaction Bundle JSON; empty: nothing extracted
};

// skip: check and score only; when_complete: extract completed or amended responses (writes);
// always: extract, and report why when the response cannot be ($extract).
enum class Extraction { skip, when_complete, always };

// `response` is a structurally valid QuestionnaireResponse; extraction needs its id. Any thread.
ProcessedResponse process_response(const QuestionnaireLibrary& library,
                                   const fhir::json::Value& response, Extraction extraction);

}  // namespace socialrx::gateway::assessment
