#pragma once
// Building HTTP responses for the FHIR API: every error is an OperationOutcome with the right
// status; resources carry ETag, Last-Modified and Location as the FHIR RESTful API asks.

#include <string>
#include <string_view>

#include "fhir/outcome.hpp"
#include "gateway/http/server.hpp"
#include "gateway/storage/resource_store.hpp"

namespace socialrx::gateway::rest {

namespace http_status = boost::beast::http;
using Status = boost::beast::http::status;

inline constexpr std::string_view kFhirJson = "application/fhir+json; charset=utf-8";

// How the client wants write results back (Prefer: return=…).
enum class ReturnPreference { representation, minimal, outcome };

http::Response json_response(const http::Request& request, Status status, std::string body);
http::Response outcome_response(const http::Request& request, Status status, const fhir::Issues& issues);
// One error issue; diagnostics must not contain personal data or SQL.
http::Response error_response(const http::Request& request, Status status, fhir::IssueType code,
                              std::string diagnostics, std::string expression = {});

// A stored resource version: ETag W/"version", Last-Modified; Location when `location` is set.
http::Response resource_response(const http::Request& request, Status status,
                                 const storage::StoredResource& resource, std::string_view base_url,
                                 bool location, ReturnPreference preference);

std::string version_etag(std::int64_t version);  // W/"3"

// 405 with the Allow header.
http::Response method_not_allowed(const http::Request& request, std::string_view allowed);

}  // namespace socialrx::gateway::rest
