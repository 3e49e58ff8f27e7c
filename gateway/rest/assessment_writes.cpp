// QuestionnaireResponse writes (issue #4): checked against the Questionnaire it names, scored, and
// — when completed or amended — stored together with what is extracted from it (Observations,
// Conditions, proposed ServiceRequests) in one transaction, so that a response is never stored
// without its extraction or the other way round.

#include <iostream>

#include "gateway/assessment/response_processor.hpp"
#include "gateway/rest/exchange.hpp"
#include "gateway/rest/responses.hpp"

namespace socialrx::gateway::rest {
namespace {

constexpr std::string_view kRoot = "QuestionnaireResponse";

// The extraction Bundle with the response itself as its first entry: PUT with the id the
// extraction's identifiers and references already use.
std::string combined_transaction(const fhir::json::Value& response, const AssessedWrite& write,
                                 const std::string& extraction_bundle, bool& ok) {
  fhir::json::ParseResult extracted = fhir::json::parse(extraction_bundle);
  ok = extracted.document.has_value();
  if (!ok) return {};
  std::string bundle = R"({"resourceType":"Bundle","type":"transaction","entry":[{"resource":)";
  bundle += fhir::json::serialize(response);
  bundle += R"(,"request":{"method":"PUT","url":"QuestionnaireResponse/)" + write.id + '"';
  if (write.if_match) bundle += R"(,"ifMatch":"W/\")" + std::to_string(*write.if_match) + R"(\"")";
  bundle += "}}";
  if (const fhir::json::Value* entries = extracted.document->root().find("entry")) {
    for (const fhir::json::Value& entry : entries->items()) {
      bundle += ',';
      bundle += fhir::json::serialize(entry);
    }
  }
  bundle += "]}";
  return bundle;
}

}  // namespace

fhir::Issues check_questionnaire_response(const ApiServices& services,
                                          const fhir::json::Value& resource, std::string_view path) {
  if (services.questionnaires == nullptr || resource.string_at("resourceType") != kRoot) return {};
  const assessment::ProcessedResponse processed = assessment::process_response(
      *services.questionnaires, resource, assessment::Extraction::skip);
  if (path == kRoot) return processed.issues;
  fhir::Issues rerooted;
  for (const fhir::Issue& issue : processed.issues) {
    std::string expression = issue.expression;
    if (std::string_view(expression).starts_with(kRoot)) {
      expression = std::string(path) + expression.substr(kRoot.size());
    }
    rerooted.add(issue.severity, issue.code, std::move(expression), issue.diagnostics);
  }
  return rerooted;
}

bool assess_questionnaire_response(ApiServices& services, const ExchangePtr& exchange,
                                   fhir::json::Document& document, const AssessedWrite& write) {
  if (services.questionnaires == nullptr) return false;
  // The id first: the extraction names what it derives after it.
  document.set_root(document.with_member(document.root(), "id", document.make_string(write.id)));
  const bool extract = write.extract && services.extract_on_write;
  assessment::ProcessedResponse processed = assessment::process_response(
      *services.questionnaires, document.root(),
      extract ? assessment::Extraction::when_complete : assessment::Extraction::skip);
  if (processed.issues.has_errors()) {
    exchange->reply(outcome_response(exchange->request, Status::unprocessable_entity, processed.issues));
    return true;
  }
  if (processed.filled_json) {
    fhir::json::ParseResult filled = fhir::json::parse_owned(std::move(*processed.filled_json));
    if (filled.document) document = std::move(*filled.document);
  }
  if (processed.extraction_bundle.empty()) return false;

  bool ok = false;
  std::string text = combined_transaction(document.root(), write, processed.extraction_bundle, ok);
  fhir::json::ParseResult bundle = ok ? fhir::json::parse_owned(std::move(text)) : fhir::json::ParseResult{};
  if (!bundle.document) {
    std::cerr << "socialrx: the extraction Bundle could not be read back; nothing was stored\n";
    exchange->reply(error_response(exchange->request, Status::internal_server_error,
                                   fhir::IssueType::exception,
                                   "internal error: the extraction failed; nothing was stored"));
    return true;
  }
  submit_server_transaction(
      services, exchange, std::move(*bundle.document),
      [exchange](std::exception_ptr error, const storage::StoredResource* stored, bool created) {
        if (error || stored == nullptr) {
          exchange->reply(write_failure_response(exchange->request, error));
          return;
        }
        exchange->reply(resource_response(exchange->request, created ? Status::created : Status::ok,
                                          *stored, exchange->base_url, created,
                                          exchange->preferences.return_preference));
      });
  return true;
}

}  // namespace socialrx::gateway::rest
