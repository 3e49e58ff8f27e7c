#pragma once
// Content negotiation and request preferences: JSON only (406 otherwise), JSON bodies only (415
// otherwise), Prefer: return=… and handling=strict|lenient.

#include <optional>
#include <string>

#include "gateway/http/server.hpp"
#include "gateway/rest/query_string.hpp"
#include "gateway/rest/responses.hpp"

namespace socialrx::gateway::rest {

struct Preferences {
  ReturnPreference return_preference = ReturnPreference::representation;
  bool strict_handling = false;
};

// nullopt when the client accepts FHIR JSON (Accept and _format); otherwise why not.
std::optional<std::string> unacceptable_format(const http::Request& request,
                                               const std::vector<QueryParam>& query);
// True when the request body is declared as JSON (application/fhir+json or application/json).
bool is_json_body(const http::Request& request);
Preferences parse_preferences(const http::Request& request);

}  // namespace socialrx::gateway::rest
