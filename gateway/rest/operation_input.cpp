// What $validate and $extract read from a POST body: JSON, and the resource either as the body or
// as one named parameter of a Parameters resource.

#include "gateway/rest/exchange.hpp"
#include "gateway/rest/responses.hpp"

namespace socialrx::gateway::rest {

std::optional<fhir::json::Document> read_operation_body(const ExchangePtr& exchange) {
  if (!is_json_body(exchange->request)) {
    exchange->reply(error_response(exchange->request, Status::unsupported_media_type,
                                   fhir::IssueType::not_supported, "send application/fhir+json"));
    return std::nullopt;
  }
  fhir::json::ParseResult parsed = fhir::json::parse(exchange->request.body());
  if (!parsed.document) {
    exchange->reply(outcome_response(exchange->request, Status::bad_request, parsed.issues));
    return std::nullopt;
  }
  return std::move(parsed.document);
}

const fhir::json::Value* operation_resource(const fhir::json::Value& body, std::string_view parameter_name) {
  if (body.string_at("resourceType") != "Parameters") return &body;
  const fhir::json::Value* found = nullptr;
  if (const fhir::json::Value* parameters = body.find("parameter")) {
    for (const fhir::json::Value& parameter : parameters->items()) {
      if (parameter.string_at("name") == parameter_name) found = parameter.find("resource");
    }
  }
  return found;
}

}  // namespace socialrx::gateway::rest
