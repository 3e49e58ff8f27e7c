#pragma once
// Extensions of any FHIR element in the JSON model, looked up by url.

#include <string_view>
#include <vector>

#include "fhir/json.hpp"

namespace socialrx::fhir::questionnaire {

// The first extension of `element` with this url, or nullptr.
const json::Value* find_extension(const json::Value& element, std::string_view url);
// Every extension of `element` with this url, in document order (repeating extensions).
std::vector<const json::Value*> find_extensions(const json::Value& element, std::string_view url);

// Urls of the standard extensions the engine reads.
namespace extension_url {
inline constexpr std::string_view min_value = "http://hl7.org/fhir/StructureDefinition/minValue";
inline constexpr std::string_view max_value = "http://hl7.org/fhir/StructureDefinition/maxValue";
inline constexpr std::string_view ordinal_value =
    "http://hl7.org/fhir/StructureDefinition/ordinalValue";
inline constexpr std::string_view indicates_need =
    "https://socialrx.jp/fhir/StructureDefinition/indicates-need";
}  // namespace extension_url

}  // namespace socialrx::fhir::questionnaire
