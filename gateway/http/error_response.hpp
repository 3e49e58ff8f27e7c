#pragma once
// Responses the server produces by itself (413, 431, 400, 500…): a FHIR OperationOutcome with one
// issue, never a stack trace or an internal message.

#include <boost/beast/http/status.hpp>

#include <string>

#include "fhir/outcome.hpp"
#include "gateway/http/server.hpp"

namespace socialrx::gateway::http {

inline constexpr const char* kFhirJson = "application/fhir+json";

// An OperationOutcome response (Content-Type application/fhir+json) with Content-Length set.
// `keep_alive` false adds `Connection: close`.
Response make_error_response(boost::beast::http::status status, fhir::IssueType code,
                             std::string diagnostics, bool keep_alive);

}  // namespace socialrx::gateway::http
