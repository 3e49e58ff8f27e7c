#pragma once
// The forms a Reference.reference string can take in R4, parsed once for the validator and the
// server (which rewrites urn:uuid: references in transactions and resolves conditional ones).

#include <string_view>

namespace socialrx::fhir {

enum class ReferenceForm {
  local,        // "#id" (or "#" for the containing resource)
  relative,     // "Patient/123" or "Patient/123/_history/2"
  absolute,     // "https://server/fhir/Patient/123[/_history/2]"
  conditional,  // "Patient?identifier=..." (transactions only)
  uuid,         // "urn:uuid:..."
  oid,          // "urn:oid:..."
  other_url,    // an absolute URL that does not end in Type/id (a logical or non-FHIR reference)
  invalid,
};

struct ReferenceParts {
  ReferenceForm form = ReferenceForm::invalid;
  std::string_view resource_type;  // relative, absolute, conditional
  std::string_view id;             // relative, absolute; local: the id after '#'
  std::string_view version;        // the _history version when present
  std::string_view base;           // absolute: everything before Type/id ("https://server/fhir")
  std::string_view query;          // conditional: after '?'
  std::string_view problem;        // invalid: why
};

// Views point into `reference`.
ReferenceParts parse_reference(std::string_view reference);

// True for the name of a concrete R4 resource type ("Patient"; not "Resource").
bool is_resource_type(std::string_view name);

}  // namespace socialrx::fhir
