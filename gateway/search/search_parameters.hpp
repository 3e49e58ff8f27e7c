#pragma once
// The search parameters socialrx supports, per resource type: what the referral workflow needs
// (issue #3) with the expressions of R4's SearchParameter resources, reduced to simple paths.
// The CapabilityStatement lists exactly these, and the index extractor writes rows for them.

#include <span>
#include <string_view>
#include <vector>

namespace socialrx::gateway::search {

enum class ParamKind { token, string, reference, date, uri };

std::string_view kind_name(ParamKind kind);

struct SearchParameter {
  std::string_view resource_type;
  std::string_view code;         // "identifier", "patient", "business-status"
  ParamKind kind;
  std::string_view path;         // dot path below the resource: "provision.actor.reference";
                                 // a segment ending in "[x]" matches every type of a choice
  std::string_view target_type;  // references: only references to this type count ("" = any)
  std::string_view definition;   // the R4 SearchParameter canonical URL
};

std::span<const SearchParameter> search_parameters();
const SearchParameter* find_search_parameter(std::string_view resource_type, std::string_view code);
std::vector<const SearchParameter*> parameters_of(std::string_view resource_type);
// Resource types the REST API stores and serves.
std::span<const std::string_view> supported_resource_types();
bool is_supported_resource_type(std::string_view type);

}  // namespace socialrx::gateway::search
