#include "gateway/rest/resource_upsert.hpp"

#include <stdexcept>

#include "fhir/json.hpp"
#include "gateway/rest/conditional.hpp"
#include "gateway/rest/resource_stamp.hpp"
#include "gateway/search/index_extractor.hpp"

namespace socialrx::gateway::rest {
namespace {

fhir::json::Value content_of(fhir::json::Document& document, const fhir::json::Value& resource) {
  return document.without_member(document.without_member(resource, "id"), "meta");
}

}  // namespace

std::string resolve_id(storage::WriteTransaction& transaction, std::string_view type,
                       std::string_view system, std::string_view value) {
  std::string problem;
  const std::string query = "identifier=" + std::string(system) + "|" + std::string(value);
  const auto criteria = parse_conditional(type, query, problem);
  if (!criteria) throw std::runtime_error("cannot search " + std::string(type) + " by identifier: " + problem);
  const std::string new_id = new_resource_id();
  auto found = match_or_claim(transaction, *criteria, new_id);
  return found ? *found : new_id;
}

bool write_if_changed(storage::WriteTransaction& transaction, std::string_view type, const std::string& id,
                      const std::string& json) {
  fhir::json::ParseResult parsed = fhir::json::parse(json);
  if (!parsed.document) throw std::runtime_error("internal error: a server-built resource is not JSON");
  fhir::json::Document& document = *parsed.document;
  const auto current = transaction.current(type, id);
  if (current && !current->deleted) {
    fhir::json::ParseResult stored = fhir::json::parse(current->body);
    if (stored.document &&
        fhir::json::equal_ignoring_member_order(content_of(*stored.document, stored.document->root()),
                                                content_of(document, document.root()))) {
      return false;
    }
  }
  const auto index = search::extract_index_rows(type, document.root());
  transaction.write_version(
      type, id, false,
      [&](const storage::VersionStamp& stamp) { return stamp_resource(document, document.root(), id, stamp); },
      current ? std::optional<std::int64_t>(current->version) : std::optional<std::int64_t>(0));
  transaction.replace_index(type, id, index);
  return true;
}

}  // namespace socialrx::gateway::rest
