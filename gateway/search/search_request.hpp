#pragma once
// A FHIR search as socialrx understands it, parsed from query parameters: criteria (AND of ORs),
// paging, sorting, _include/_revinclude, _summary=count. Unknown parameters are collected so the
// caller can report them (or refuse them under Prefer: handling=strict).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fhir/outcome.hpp"
#include "gateway/rest/query_string.hpp"
#include "gateway/search/search_parameters.hpp"

namespace socialrx::gateway::search {

enum class Comparator { eq, ne, lt, gt, le, ge, sa, eb, ap };

struct Criterion {
  enum class Special { none, id, last_updated };
  const SearchParameter* parameter = nullptr;  // null for the special ones
  Special special = Special::none;
  std::string name;      // as given, for messages and self links
  std::string modifier;  // "exact", "contains", "not", a resource type for references
  std::vector<std::string> values;  // any of them matches (comma-separated in the URL)
};

struct Include {
  std::string source_type;      // "Task" in Task:focus
  const SearchParameter* parameter;
  std::string target_type;      // optional third part: Task:focus:ServiceRequest
  std::string text;             // as given, for self links
};

struct PageCursor {
  std::int64_t last_updated_ms;
  std::int64_t seq;
};

// Set by the REST layer, never parsed from the URL: only resources whose id is listed, or whose
// reference parameter `param` points to `value`, can match (the read gate of a referral
// recipient, gateway/referral/read_gate.hpp). In SQL, so counts and pages agree with what is shown.
struct VisibleOnly {
  std::vector<std::string> ids;
  std::string param;  // empty: the ids alone
  std::string value;  // "Organization/<id>"
};

struct SearchRequest {
  std::string type;
  std::vector<Criterion> criteria;
  std::size_t count = 50;
  bool summary_count = false;
  bool descending = false;  // _sort=-_lastUpdated
  std::vector<Include> includes;
  std::vector<Include> revincludes;
  std::optional<PageCursor> after;     // _cursor: continue after this row
  std::optional<std::int64_t> snapshot;  // _snapshot: only versions written up to this seq
  std::optional<VisibleOnly> visible_only;
  std::vector<std::string> ignored;    // unknown or unsupported parameters
  fhir::Issues problems;               // malformed values: the search is refused (400)
};

inline constexpr std::size_t kMaxCount = 1000;

SearchRequest parse_search_request(std::string_view type, const std::vector<rest::QueryParam>& params);

// Splits a comma-separated search value list; "\," is a literal comma.
std::vector<std::string> split_values(std::string_view text);

// "ge2024-01-01" → (ge, "2024-01-01"); no prefix → eq.
std::pair<Comparator, std::string_view> split_prefix(std::string_view value);

}  // namespace socialrx::gateway::search
