// $validate (POST /fhir/Type/$validate): the resource in the body, or in a Parameters resource as
// the "resource" parameter, checked by fhir/ (a QuestionnaireResponse also against its
// Questionnaire); the answer is 200 with the OperationOutcome.

#include "fhir/validator.hpp"
#include "gateway/rest/exchange.hpp"

namespace socialrx::gateway::rest {

void handle_operation(ApiServices& services, const ExchangePtr& exchange) {
  const std::string& operation = exchange->route.operation;
  if (operation == "extract" && exchange->route.type == "QuestionnaireResponse") {
    handle_extract(services, exchange);
  } else if (operation == "validate" && exchange->request.method() == boost::beast::http::verb::post) {
    handle_validate(services, exchange);
  } else if (operation == "validate") {
    exchange->reply(method_not_allowed(exchange->request, "POST"));
  } else {
    exchange->reply(error_response(exchange->request, Status::not_found, fhir::IssueType::not_supported,
                                   "the operation $" + operation + " is not supported on " +
                                       exchange->route.type));
  }
}

void handle_validate(ApiServices& services, const ExchangePtr& exchange) {
  const auto body = read_operation_body(exchange);
  if (!body) return;
  const fhir::json::Value* resource = operation_resource(body->root(), "resource");
  if (resource == nullptr) {
    exchange->reply(error_response(exchange->request, Status::bad_request, fhir::IssueType::required,
                                   "the Parameters resource has no \"resource\" parameter"));
    return;
  }
  if (resource->string_at("resourceType") != exchange->route.type) {
    exchange->reply(error_response(exchange->request, Status::bad_request, fhir::IssueType::invalid,
                                   "the resource is not a " + exchange->route.type));
    return;
  }
  fhir::Issues issues = fhir::validate_resource(*resource);
  if (!issues.has_errors()) {
    for (const fhir::Issue& issue : check_questionnaire_response(services, *resource, "QuestionnaireResponse")) {
      issues.add(issue.severity, issue.code, issue.expression, issue.diagnostics);
    }
  }
  exchange->reply(outcome_response(exchange->request, Status::ok, issues));
}

}  // namespace socialrx::gateway::rest
