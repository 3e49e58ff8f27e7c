// $validate (POST /fhir/Type/$validate): the resource in the body, or in a Parameters resource as
// the "resource" parameter, checked by fhir/; the answer is 200 with the OperationOutcome.

#include "fhir/validator.hpp"
#include "gateway/rest/exchange.hpp"

namespace socialrx::gateway::rest {

void handle_validate(ApiServices&, const ExchangePtr& exchange) {
  if (exchange->route.operation != "validate") {
    exchange->reply(error_response(exchange->request, Status::not_found, fhir::IssueType::not_supported,
                                   "the operation $" + exchange->route.operation + " is not supported"));
    return;
  }
  if (!is_json_body(exchange->request)) {
    exchange->reply(error_response(exchange->request, Status::unsupported_media_type,
                                   fhir::IssueType::not_supported, "send application/fhir+json"));
    return;
  }
  fhir::json::ParseResult parsed = fhir::json::parse(exchange->request.body());
  if (!parsed.document) {
    exchange->reply(outcome_response(exchange->request, Status::bad_request, parsed.issues));
    return;
  }
  const fhir::json::Value* resource = &parsed.document->root();
  if (resource->string_at("resourceType") == "Parameters") {
    const fhir::json::Value* found = nullptr;
    if (const fhir::json::Value* parameters = resource->find("parameter")) {
      for (const fhir::json::Value& parameter : parameters->items()) {
        if (parameter.string_at("name") == "resource") found = parameter.find("resource");
      }
    }
    if (found == nullptr) {
      exchange->reply(error_response(exchange->request, Status::bad_request, fhir::IssueType::required,
                                     "the Parameters resource has no \"resource\" parameter"));
      return;
    }
    resource = found;
  }
  if (resource->string_at("resourceType") != exchange->route.type) {
    exchange->reply(error_response(exchange->request, Status::bad_request, fhir::IssueType::invalid,
                                   "the resource is not a " + exchange->route.type));
    return;
  }
  exchange->reply(outcome_response(exchange->request, Status::ok, fhir::validate_resource(*resource)));
}

}  // namespace socialrx::gateway::rest
