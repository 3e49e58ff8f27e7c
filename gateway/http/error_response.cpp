#include "gateway/http/error_response.hpp"

#include <boost/beast/http/field.hpp>

namespace socialrx::gateway::http {

namespace http = boost::beast::http;

Response make_error_response(http::status status, fhir::IssueType code, std::string diagnostics,
                             bool keep_alive) {
  fhir::Issues issues;
  issues.error(code, "", std::move(diagnostics));
  Response response{status, 11};
  response.set(http::field::content_type, kFhirJson);
  response.set(http::field::cache_control, "no-store");
  response.body() = fhir::to_operation_outcome_json(issues);
  response.keep_alive(keep_alive);
  response.prepare_payload();
  return response;
}

}  // namespace socialrx::gateway::http
