#pragma once
// Turns a resource into the search index rows of its supported search parameters.
//   token      system + code (Coding, CodeableConcept, Identifier, code, boolean)
//   string     the search key (fhir/text_normalize.hpp) in value, the exact text in system
//   reference  "Type/id" for relative references, the URL for absolute ones and canonicals
//   date       [low, high] in epoch ms (date, dateTime, instant, Period)
//   uri        the URI as written

#include <string_view>
#include <vector>

#include "fhir/json.hpp"
#include "gateway/storage/resource_store.hpp"

namespace socialrx::gateway::search {

std::vector<storage::IndexRow> extract_index_rows(std::string_view resource_type,
                                                  const fhir::json::Value& resource);

}  // namespace socialrx::gateway::search
