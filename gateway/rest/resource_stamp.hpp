#pragma once
// What the server owns in a stored resource: its id and meta.versionId / meta.lastUpdated.
// Everything else the client sent (other meta elements included) is kept as sent.

#include <string>
#include <string_view>

#include "fhir/json.hpp"
#include "gateway/storage/resource_store.hpp"

namespace socialrx::gateway::rest {

// The resource JSON with resourceType, id and meta first, meta stamped with the version.
std::string stamp_resource(fhir::json::Document& document, const fhir::json::Value& resource,
                           std::string_view id, const storage::VersionStamp& stamp);

// A fresh server-assigned id: a UUID version 7, lowercase (a valid FHIR id); ids assigned later
// sort after earlier ones (to the millisecond), the rest is random.
std::string new_resource_id();

}  // namespace socialrx::gateway::rest
