#include "gateway/assessment/response_processor.hpp"

#include "fhir/fhirpath/expression.hpp"
#include "fhir/questionnaire/response_tree.hpp"
#include "fhir/questionnaire/response_validator.hpp"

namespace socialrx::gateway::assessment {
namespace fq = fhir::questionnaire;

namespace {

void append(fhir::Issues& into, const fhir::Issues& from) {
  for (const fhir::Issue& issue : from) {
    into.add(issue.severity, issue.code, issue.expression, issue.diagnostics);
  }
}

// One per thread: its arena is kept between responses, so scoring stops allocating after the
// first few.
fhir::fhirpath::Evaluator& thread_evaluator() {
  thread_local fhir::fhirpath::Evaluator evaluator;
  return evaluator;
}

}  // namespace

ProcessedResponse process_response(const QuestionnaireLibrary& library,
                                   const fhir::json::Value& response, Extraction extraction) {
  ProcessedResponse out;
  const std::string_view canonical = response.string_at("questionnaire");
  if (canonical.empty()) {
    out.issues.error(fhir::IssueType::required, "QuestionnaireResponse.questionnaire",
                     "the response must name the Questionnaire it answers (its canonical URL)");
    return out;
  }
  const LoadedQuestionnaire* questionnaire = library.find(canonical);
  if (questionnaire == nullptr) {
    const fhir::Issue issue = fq::questionnaire_not_found(canonical);
    out.issues.add(issue.severity, issue.code, issue.expression, issue.diagnostics);
    return out;
  }
  // One tree of the response for validation, scoring and extraction.
  const fq::ResponseTree tree = fq::ResponseTree::build(*questionnaire->index, response);
  append(out.issues, fq::validate_response(*questionnaire->index, response, tree));
  if (out.issues.has_errors()) return out;

  fhir::fhirpath::Evaluator& evaluator = thread_evaluator();
  fq::ScoreResult score = fq::score_response(*questionnaire->scoring, response, evaluator, tree);
  append(out.issues, score.issues);
  if (out.issues.has_errors()) return out;
  if (score.filled_json) out.filled_json = *score.filled_json;

  const std::string_view status = response.string_at("status");
  const bool complete = status == "completed" || status == "amended";
  if (extraction == Extraction::always || (extraction == Extraction::when_complete && complete)) {
    // Scoring that filled calculated answers in gave a new response, which needs its own tree.
    fq::ExtractionResult extracted =
        score.filled_document
            ? fq::extract(*questionnaire->extraction, score.response(response), score, evaluator)
            : fq::extract(*questionnaire->extraction, response, score, evaluator, tree);
    append(out.issues, extracted.issues);
    if (out.issues.has_errors()) return out;
    out.extraction_bundle = std::move(extracted.bundle_json);
  }
  return out;
}

}  // namespace socialrx::gateway::assessment
