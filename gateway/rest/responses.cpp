#include "gateway/rest/responses.hpp"

#include "fhir/date_time.hpp"

namespace socialrx::gateway::rest {

namespace beast_http = boost::beast::http;

http::Response json_response(const http::Request& request, Status status, std::string body) {
  http::Response response{status, request.version()};
  response.set(beast_http::field::server, "socialrx");
  response.keep_alive(request.keep_alive());
  if (!body.empty()) response.set(beast_http::field::content_type, kFhirJson);
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

http::Response outcome_response(const http::Request& request, Status status,
                                const fhir::Issues& issues) {
  return json_response(request, status, fhir::to_operation_outcome_json(issues));
}

http::Response error_response(const http::Request& request, Status status, fhir::IssueType code,
                              std::string diagnostics, std::string expression) {
  fhir::Issues issues;
  issues.error(code, std::move(expression), std::move(diagnostics));
  return outcome_response(request, status, issues);
}

std::string version_etag(std::int64_t version) {
  return "W/\"" + std::to_string(version) + "\"";
}

http::Response resource_response(const http::Request& request, Status status,
                                 const storage::StoredResource& resource, std::string_view base_url,
                                 bool location, ReturnPreference preference) {
  std::string body;
  switch (preference) {
    case ReturnPreference::representation:
      body = resource.body;
      break;
    case ReturnPreference::minimal:
      break;
    case ReturnPreference::outcome: {
      fhir::Issues issues;
      issues.add(fhir::Severity::information, fhir::IssueType::informational, "",
                 resource.type + "/" + resource.id + " version " +
                     std::to_string(resource.version) + " stored");
      body = fhir::to_operation_outcome_json(issues);
      break;
    }
  }
  http::Response response = json_response(request, status, std::move(body));
  response.set(beast_http::field::etag, version_etag(resource.version));
  response.set(beast_http::field::last_modified, fhir::format_http_date(resource.last_updated_ms));
  if (location) {
    response.set(beast_http::field::location,
                 std::string(base_url) + "/" + resource.type + "/" + resource.id + "/_history/" +
                     std::to_string(resource.version));
  }
  return response;
}

http::Response method_not_allowed(const http::Request& request, std::string_view allowed) {
  http::Response response =
      error_response(request, Status::method_not_allowed, fhir::IssueType::not_supported,
                     std::string(request.method_string()) + " is not allowed here (allowed: " +
                         std::string(allowed) + ")");
  response.set(boost::beast::http::field::allow, allowed);
  return response;
}

}  // namespace socialrx::gateway::rest
