#pragma once
// Rewrites Reference.reference values in a resource (transactions: urn:uuid: fullUrls become the
// ids the server assigned, conditional references become the id they resolve to).

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "fhir/json.hpp"

namespace socialrx::gateway::rest {

// `replace` returns the new text for a reference string, or nullopt to keep it. Only values of a
// "reference" member that is a string (Reference.reference) are offered. Returns the rebuilt
// value; unchanged subtrees are shared, not copied.
fhir::json::Value rewrite_references(
    fhir::json::Document& document, const fhir::json::Value& value,
    const std::function<std::optional<std::string>(std::string_view)>& replace);

}  // namespace socialrx::gateway::rest
