#pragma once
// Structural validation of FHIR R4 resources in JSON against the generated base definitions:
// cardinality, types and JSON forms, choice types, unknown elements, primitive extensions
// ("_given"), contained resources, extensions, references, required bindings and the invariants
// ele-1, ext-1, dom-2 and dom-3. Every problem is reported with its element path; nothing throws.
//
// Issue codes (the contract tests rely on):
//   structure     unknown element, wrong JSON type, array expected or not, duplicate key, two
//                 types of one choice element, a reference to a resource type that is not allowed
//   required      a required element is missing
//   value         a primitive value breaks its type's lexical rules, a malformed reference
//   too-long      a string over 1 MiB
//   code-invalid  a code outside a required value set
//   invariant     ele-1 (empty object, array, string or null, an element with only an id),
//                 ext-1, dom-2, dom-3, dom-4, ref-1 (a local reference without its contained
//                 resource)
//   not-supported an unknown resourceType

#include <optional>
#include <string_view>

#include "fhir/json.hpp"
#include "fhir/outcome.hpp"

namespace socialrx::fhir {

// Validates a resource (a JSON object with resourceType).
Issues validate_resource(const json::Value& resource);

struct ParsedResource {
  std::optional<json::Document> document;  // set whenever the bytes were well-formed JSON
  Issues issues;                           // parse problems or validation problems
  bool valid() const { return document.has_value() && !issues.has_errors(); }
};

// Parses and validates the bytes of one resource.
ParsedResource parse_and_validate(std::string_view bytes, const json::ParseLimits& limits = {});
// The same, parsing the caller's buffer in place instead of copying it.
ParsedResource parse_and_validate_owned(std::string&& bytes,
                                         const json::ParseLimits& limits = {});
// Validity only, parsing the caller's buffer in place (the buffer can be reused afterwards).
Issues validate_in_place(std::string& bytes, const json::ParseLimits& limits = {});

}  // namespace socialrx::fhir
