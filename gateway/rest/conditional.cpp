#include "gateway/rest/conditional.hpp"

#include <algorithm>
#include <tuple>

#include "gateway/rest/query_string.hpp"
#include "gateway/rest/write_errors.hpp"
#include "gateway/search/search_executor.hpp"

namespace socialrx::gateway::rest {
namespace {

constexpr std::string_view kClaimScope = "conditional-create";

std::vector<std::string> matching(storage::WriteTransaction& transaction,
                                  const search::SearchRequest& request) {
  return search::find_matching_ids(transaction.connection(), request, 2);
}

}  // namespace

std::optional<ConditionalCriteria> parse_conditional(std::string_view type, std::string_view query,
                                                     std::string& problem) {
  std::vector<QueryParam> params = parse_query_string(query);
  ConditionalCriteria criteria{search::parse_search_request(type, params), {}};
  if (criteria.request.problems.has_errors()) {
    problem = criteria.request.problems.items().front().diagnostics;
    return std::nullopt;
  }
  if (!criteria.request.ignored.empty() || criteria.request.criteria.empty()) {
    problem = "the condition must use supported search parameters of " + std::string(type);
    return std::nullopt;
  }
  std::sort(params.begin(), params.end(), [](const QueryParam& a, const QueryParam& b) {
    return std::tie(a.name, a.modifier, a.value) < std::tie(b.name, b.modifier, b.value);
  });
  criteria.claim_key = std::string(type) + "?";
  for (const QueryParam& param : params) {
    criteria.claim_key += param.name + (param.modifier.empty() ? "" : ":" + param.modifier) + "=" +
                          param.value + "&";
  }
  return criteria;
}

std::optional<std::string> match_or_claim(storage::WriteTransaction& transaction,
                                          const ConditionalCriteria& criteria,
                                          std::string_view new_id) {
  const std::string& type = criteria.request.type;
  auto ids = matching(transaction, criteria.request);
  if (ids.size() > 1) {
    throw WriteRefused(Status::precondition_failed, fhir::IssueType::multiple_matches,
                       "If-None-Exist matches more than one " + type);
  }
  if (ids.size() == 1) return ids.front();
  std::string holder;
  if (transaction.claim(kClaimScope, criteria.claim_key, type, new_id, &holder)) return std::nullopt;
  // Someone claimed these criteria before. If its resource still matches, a concurrent create
  // won: search again (it may be visible now). Otherwise the holder was deleted or changed, and
  // the claim passes to the new resource — guarded by the old holder so that only one of several
  // concurrent takers succeeds.
  ids = matching(transaction, criteria.request);
  if (!ids.empty()) return ids.front();
  const std::size_t slash = holder.find('/');
  const storage::SqlValue params[] = {std::string(new_id), std::string(kClaimScope),
                                      criteria.claim_key,
                                      holder.substr(slash == std::string::npos ? 0 : slash + 1)};
  const auto changed = transaction.connection().execute(
      "UPDATE unique_claims SET resource_id = ? WHERE scope = ? AND claim_key = ? AND resource_id = ?",
      params);
  if (changed != 1) {
    throw WriteRefused(Status::conflict, fhir::IssueType::conflict,
                       "a concurrent conditional create is in progress; retry");
  }
  return std::nullopt;
}

std::string resolve_conditional_reference(storage::WriteTransaction& transaction,
                                          std::string_view type, std::string_view query) {
  std::string problem;
  auto criteria = parse_conditional(type, query, problem);
  if (!criteria) {
    throw WriteRefused(Status::bad_request, fhir::IssueType::invalid,
                       "conditional reference " + std::string(type) + "?…: " + problem);
  }
  auto ids = search::find_matching_ids(transaction.connection(), criteria->request, 2);
  if (ids.size() != 1) {
    throw WriteRefused(Status::precondition_failed,
                       ids.empty() ? fhir::IssueType::not_found : fhir::IssueType::multiple_matches,
                       "a conditional reference to " + std::string(type) + " matches " +
                           (ids.empty() ? "nothing" : "more than one resource"));
  }
  return ids.front();
}

}  // namespace socialrx::gateway::rest
