#pragma once
// The body of a create or update: JSON, a valid resource of the type the URL names.

#include <optional>
#include <string>
#include <vector>

#include "fhir/json.hpp"
#include "gateway/http/server.hpp"
#include "gateway/storage/resource_store.hpp"

namespace socialrx::gateway::rest {

struct ResourceBody {
  std::optional<fhir::json::Document> document;  // set when valid
  std::optional<http::Response> error;           // 400/415/422 otherwise
};

// expected_type: the type in the URL ("" for Bundle entries, which bring their own). Takes the
// request's body over (it is empty afterwards).
ResourceBody read_resource_body(http::Request& request, std::string_view expected_type);

// The parsed resource prepared for storing: index rows computed outside the writer thread.
struct PreparedResource {
  std::string type;
  std::string id;
  fhir::json::Document document;
  std::vector<storage::IndexRow> index;
};

PreparedResource prepare_resource(fhir::json::Document document, std::string id);

// The render callback for WriteTransaction::write_version.
std::string render_stamped(PreparedResource& resource, const storage::VersionStamp& stamp);

}  // namespace socialrx::gateway::rest
