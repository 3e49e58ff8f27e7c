// search (GET /fhir/Type?… and POST /fhir/Type/_search): a searchset Bundle with a self link, a
// next link while more matches follow (stable: the cursor and snapshot travel in the link), the
// _include/_revinclude resources, and an OperationOutcome entry naming ignored parameters.

#include <iostream>

#include "gateway/rest/bundle_writer.hpp"
#include "gateway/rest/exchange.hpp"
#include "gateway/rest/recipient_reads.hpp"
#include "gateway/search/search_executor.hpp"
#include "gateway/search/search_request.hpp"

namespace socialrx::gateway::rest {
namespace {

// The query string of a link: the criteria and controls as given, without our paging state.
std::string link_query(const std::vector<QueryParam>& query) {
  std::string text;
  for (const QueryParam& param : query) {
    if (param.name == "_cursor" || param.name == "_snapshot" || param.name == "_format") continue;
    if (!text.empty()) text += '&';
    text += percent_encode(param.name);
    if (!param.modifier.empty()) text += ":" + percent_encode(param.modifier);
    text += "=" + percent_encode(param.value);
  }
  return text;
}

}  // namespace

void handle_search(ApiServices& services, const ExchangePtr& exchange) {
  const std::string& type = exchange->route.type;
  search::SearchRequest request = search::parse_search_request(type, exchange->query);
  if (request.problems.has_errors()) {
    exchange->reply(outcome_response(exchange->request, Status::bad_request, request.problems));
    return;
  }
  if (!request.ignored.empty() && exchange->preferences.strict_handling) {
    fhir::Issues issues;
    for (const std::string& name : request.ignored) {
      issues.error(fhir::IssueType::not_supported, "",
                   "the search parameter " + name + " is not supported on " + type);
    }
    exchange->reply(outcome_response(exchange->request, Status::bad_request, issues));
    return;
  }

  // The read gate: a referral recipient finds only what it may see (in SQL, so that totals and
  // pages agree); included resources are filtered below.
  const bool may_gate = referral::is_gated_type(type) || !request.includes.empty() || !request.revincludes.empty();
  std::optional<referral::RecipientView> gate;
  search::SearchPage page;
  try {
    if (may_gate) gate = read_gate_for(services, *exchange);
    if (gate && referral::is_gated_type(type)) request.visible_only = gate->visible_only(type);
    auto connection = services.database.reader();
    page = search::execute_search(*connection, request);
  } catch (const storage::DatabaseError& failure) {
    std::cerr << "socialrx: database error during a search: " << failure.what() << '\n';
    exchange->reply(error_response(exchange->request, Status::internal_server_error,
                                   fhir::IssueType::exception, "the search could not be run"));
    return;
  }

  const std::string base = exchange->base_url + "/" + type;
  const std::string query = link_query(exchange->query);
  BundleWriter bundle("searchset");
  if (page.total) bundle.total(*page.total);
  bundle.link("self", base + (query.empty() ? "" : "?" + query));
  if (page.next) {
    bundle.link("next", base + "?" + query + (query.empty() ? "" : "&") + "_cursor=" +
                            std::to_string(page.next->last_updated_ms) + "." +
                            std::to_string(page.next->seq) +
                            "&_snapshot=" + std::to_string(page.snapshot));
  }
  const auto add = [&](const storage::StoredResource& resource, const char* mode) {
    BundleWriter::Entry entry;
    entry.full_url = exchange->base_url + "/" + resource.type + "/" + resource.id;
    entry.resource = resource.body;
    entry.search_mode = mode;
    bundle.entry(entry);
  };
  DisclosedReads reads(gate ? &*gate : nullptr);
  for (const storage::StoredResource& match : page.matches) {
    reads.add(match.type, match.id);
    add(match, "match");
  }
  for (const storage::StoredResource& included : page.included) {
    if (gate && referral::is_gated_type(included.type)) {
      const auto body = fhir::json::parse(included.body);
      const fhir::json::Value* root = body.document ? &body.document->root() : nullptr;
      if (gate->access(included.type, included.id, root) == referral::RecipientView::Access::hidden) continue;
    }
    reads.add(included.type, included.id);
    add(included, "include");
  }
  if (!request.ignored.empty()) {
    fhir::Issues issues;
    for (const std::string& name : request.ignored) {
      issues.warning(fhir::IssueType::not_supported, "",
                     "the search parameter " + name + " is not supported on " + type +
                         " and was ignored");
    }
    const std::string outcome = fhir::to_operation_outcome_json(issues);
    BundleWriter::Entry entry;
    entry.resource = outcome;
    entry.search_mode = "outcome";
    bundle.entry(entry);
  }
  reply_recorded(services, exchange, "search-type", std::move(reads),
                 json_response(exchange->request, Status::ok, bundle.finish()));
}

}  // namespace socialrx::gateway::rest
