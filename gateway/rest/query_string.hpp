#pragma once
// URL query strings and form bodies: "name:modifier=value&…", percent-decoded.

#include <string>
#include <string_view>
#include <vector>

namespace socialrx::gateway::rest {

struct QueryParam {
  std::string name;      // before ':' ("subject")
  std::string modifier;  // after ':' ("Patient", "exact"), may be empty
  std::string value;     // decoded
};

// Splits on '&', decodes %XX and '+' (as space, as in HTML forms). Malformed escapes are kept
// literally rather than rejected: the search layer then reports a value that matches nothing.
std::vector<QueryParam> parse_query_string(std::string_view query);

std::string percent_decode(std::string_view text);
// Encodes everything except unreserved characters (RFC 3986) and the FHIR separators ',' '|' ':'.
std::string percent_encode(std::string_view text);

}  // namespace socialrx::gateway::rest
