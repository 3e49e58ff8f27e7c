#pragma once
// Runs a SearchRequest against the database: criteria become EXISTS clauses over search_index,
// pages are keyset-paginated on (last_updated_ms, seq) within a snapshot (the highest seq when the
// first page was read), so next links stay stable while resources are being added.

#include <optional>
#include <string>
#include <vector>

#include "gateway/search/search_request.hpp"
#include "gateway/storage/database.hpp"
#include "gateway/storage/resource_store.hpp"

namespace socialrx::gateway::search {

struct SearchPage {
  std::vector<storage::StoredResource> matches;
  std::vector<storage::StoredResource> included;  // _include and _revinclude, deduplicated
  std::optional<PageCursor> next;                 // set when more matches follow
  std::int64_t snapshot = 0;
  std::optional<std::int64_t> total;              // with _summary=count
};

SearchPage execute_search(storage::Connection& connection, const SearchRequest& request);

// Ids of current resources of `type` matching all criteria (for conditional create, conditional
// references and conditional updates), at most `limit`.
std::vector<std::string> find_matching_ids(storage::Connection& connection, const SearchRequest& request,
                                           std::size_t limit);

}  // namespace socialrx::gateway::search
