#pragma once
// Which FHIR interaction a request target names (DESIGN.md: FHIR base /fhir).

#include <string>
#include <string_view>

#include "gateway/http/server.hpp"

namespace socialrx::gateway::rest {

enum class RouteKind {
  health,            // GET /healthz
  metadata,          // GET /fhir/metadata
  system,            // /fhir            (POST transaction/batch)
  system_history,    // /fhir/_history
  type,              // /fhir/Task       (GET search, POST create)
  type_search,       // /fhir/Task/_search (POST form search)
  type_history,      // /fhir/Task/_history
  type_operation,    // /fhir/Task/$validate
  instance,          // /fhir/Task/1     (GET read, PUT update, DELETE)
  instance_history,  // /fhir/Task/1/_history
  version,           // /fhir/Task/1/_history/2 (vread)
  instance_operation,  // /fhir/Task/1/$validate
  not_found,
};

struct Route {
  RouteKind kind = RouteKind::not_found;
  std::string type;
  std::string id;
  std::string version;
  std::string operation;  // without '$'
  std::string query;      // after '?', undecoded
};

Route parse_route(std::string_view target);

}  // namespace socialrx::gateway::rest
