#pragma once
// The resource types socialrx works with (issue #2's working set): the referral workflow, the
// directory, documents, audit and the messages around them. Validation covers every R4 type;
// this list is what the project promises to handle and tests against HL7's examples.

#include <span>
#include <string_view>

namespace socialrx::fhir {

std::span<const std::string_view> working_set();  // sorted
bool in_working_set(std::string_view resource_type);

}  // namespace socialrx::fhir
