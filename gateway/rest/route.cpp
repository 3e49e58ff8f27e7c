#include "gateway/rest/route.hpp"

#include <vector>

#include "gateway/rest/query_string.hpp"

namespace socialrx::gateway::rest {

Route parse_route(std::string_view target) {
  Route route;
  const std::size_t question = target.find('?');
  const std::string_view path = target.substr(0, question);
  if (question != std::string_view::npos) route.query = std::string(target.substr(question + 1));
  if (path == "/healthz") {
    route.kind = RouteKind::health;
    return route;
  }
  if (path != "/fhir" && !path.starts_with("/fhir/")) return route;

  std::vector<std::string> segments;
  std::string_view rest = path.substr(5);
  while (!rest.empty()) {
    if (rest.front() == '/') rest.remove_prefix(1);
    const std::size_t slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    // A trailing slash names the same thing ("/fhir/" is the base, where transactions go).
    if (segment.empty() && rest.empty()) break;
    segments.push_back(percent_decode(segment));
  }
  for (const std::string& segment : segments) {
    if (segment.empty()) return route;  // "/fhir/Patient//1": no such endpoint
  }
  const auto is_operation = [](const std::string& segment) { return segment.starts_with('$'); };
  switch (segments.size()) {
    case 0:
      route.kind = RouteKind::system;
      break;
    case 1:
      if (segments[0] == "metadata") {
        route.kind = RouteKind::metadata;
      } else if (segments[0] == "_history") {
        route.kind = RouteKind::system_history;
      } else {
        route.kind = RouteKind::type;
        route.type = segments[0];
      }
      break;
    case 2:
      route.type = segments[0];
      if (segments[1] == "_search") {
        route.kind = RouteKind::type_search;
      } else if (segments[1] == "_history") {
        route.kind = RouteKind::type_history;
      } else if (is_operation(segments[1])) {
        route.kind = RouteKind::type_operation;
        route.operation = segments[1].substr(1);
      } else {
        route.kind = RouteKind::instance;
        route.id = segments[1];
      }
      break;
    case 3:
      route.type = segments[0];
      route.id = segments[1];
      if (segments[2] == "_history") {
        route.kind = RouteKind::instance_history;
      } else if (is_operation(segments[2])) {
        route.kind = RouteKind::instance_operation;
        route.operation = segments[2].substr(1);
      }
      break;
    case 4:
      if (segments[2] == "_history") {
        route.kind = RouteKind::version;
        route.type = segments[0];
        route.id = segments[1];
        route.version = segments[3];
      }
      break;
    default:
      break;
  }
  return route;
}

}  // namespace socialrx::gateway::rest
