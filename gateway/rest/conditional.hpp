#pragma once
// Conditional interactions inside a write job: If-None-Exist (create), conditional references in
// transactions. Race-free: the search runs in the writer's transaction and the criteria are
// claimed under a unique key, so two concurrent creates with the same criteria cannot both win,
// not even on two nodes sharing one PostgreSQL database.

#include <optional>
#include <string>

#include "gateway/search/search_request.hpp"
#include "gateway/storage/resource_store.hpp"

namespace socialrx::gateway::rest {

struct ConditionalCriteria {
  search::SearchRequest request;
  std::string claim_key;  // "Patient?identifier=sys|123" with parameters in a canonical order
};

// Parses "identifier=sys|123&…" for `type`; nullopt with `problem` set when it cannot be used.
std::optional<ConditionalCriteria> parse_conditional(std::string_view type, std::string_view query,
                                                     std::string& problem);

// Inside a write job: the id of the one resource matching the criteria, or nullopt after
// claiming the criteria for `new_id` (the caller then creates it). Throws WriteRefused (412)
// when several resources match.
std::optional<std::string> match_or_claim(storage::WriteTransaction& transaction,
                                          const ConditionalCriteria& criteria,
                                          std::string_view new_id);

// Inside a write job: the id of the one resource matching (for conditional references).
// Throws WriteRefused when none or several match.
std::string resolve_conditional_reference(storage::WriteTransaction& transaction,
                                          std::string_view type, std::string_view query);

}  // namespace socialrx::gateway::rest
