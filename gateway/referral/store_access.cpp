#include "gateway/referral/store_access.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "fhir/date_time.hpp"
#include "fhir/validator.hpp"
#include "gateway/rest/conditional.hpp"
#include "gateway/rest/resource_stamp.hpp"
#include "gateway/search/index_extractor.hpp"
#include "gateway/search/search_executor.hpp"

namespace socialrx::gateway::referral {

std::optional<LoadedResource> load(storage::WriteTransaction& transaction, std::string_view key) {
  const std::size_t slash = key.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto current = transaction.current(key.substr(0, slash), key.substr(slash + 1));
  if (!current || current->deleted) return std::nullopt;
  fhir::json::ParseResult parsed = fhir::json::parse_owned(std::move(current->body));
  if (!parsed.document) return std::nullopt;
  return LoadedResource{std::string(key), current->version, std::move(*parsed.document)};
}

std::optional<LoadedResource> load(storage::Connection& connection, std::string_view key) {
  const std::size_t slash = key.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const storage::SqlValue params[] = {std::string(key.substr(0, slash)), std::string(key.substr(slash + 1))};
  auto rows = connection.query("SELECT version, body FROM resources WHERE resource_type = ? AND id = ? AND deleted = 0",
                               params);
  if (rows.empty()) return std::nullopt;
  const auto* version = std::get_if<std::int64_t>(&rows.front().at(0));
  auto* body = std::get_if<std::string>(&rows.front().at(1));
  if (version == nullptr || body == nullptr) return std::nullopt;
  fhir::json::ParseResult parsed = fhir::json::parse_owned(std::move(*body));
  if (!parsed.document) return std::nullopt;
  return LoadedResource{std::string(key), *version, std::move(*parsed.document)};
}

std::vector<std::string> find_ids(storage::WriteTransaction& transaction, std::string_view type,
                                  std::string_view query, std::size_t limit) {
  return find_ids(transaction.connection(), type, query, limit);
}

std::vector<std::string> find_ids(storage::Connection& connection, std::string_view type, std::string_view query,
                                  std::size_t limit) {
  std::string problem;
  const auto criteria = rest::parse_conditional(type, query, problem);
  if (!criteria) {
    throw std::logic_error("referral workflow: unusable search " + std::string(type) + "?" +
                           std::string(query) + ": " + problem);
  }
  return search::find_matching_ids(connection, criteria->request, limit);
}

storage::StoredResource write_platform_resource(storage::WriteTransaction& transaction,
                                                const fhir::json::Value& resource, std::string_view type,
                                                std::string_view id) {
  const fhir::Issues issues = fhir::validate_resource(resource);
  if (issues.has_errors()) {
    const fhir::Issue& first = *std::find_if(issues.begin(), issues.end(), [](const fhir::Issue& issue) {
      return issue.severity == fhir::Severity::error || issue.severity == fhir::Severity::fatal;
    });
    throw std::logic_error("referral workflow built an invalid " + std::string(type) + ": " +
                           first.expression + ": " + first.diagnostics);
  }
  fhir::json::Document document;
  const fhir::json::Value copy = document.copy(resource);
  const auto index = search::extract_index_rows(type, copy);
  const auto current = transaction.current(type, id);
  const std::int64_t expected = current ? current->version : 0;
  storage::StoredResource stored = transaction.write_version(
      type, id, false,
      [&](const storage::VersionStamp& stamp) { return rest::stamp_resource(document, copy, id, stamp); },
      expected);
  transaction.replace_index(type, id, index);
  return stored;
}

std::string resolve_organization(storage::WriteTransaction& transaction, std::string_view configured) {
  return resolve_organization(transaction.connection(), configured);
}

std::string resolve_organization(storage::Connection& connection, std::string_view configured) {
  if (configured.empty() || configured.starts_with("Organization/")) return std::string(configured);
  const auto ids = find_ids(connection, "Organization", "identifier=" + std::string(configured), 2);
  return ids.size() == 1 ? "Organization/" + ids.front() : std::string();
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string now_instant() { return fhir::format_instant(now_ms()); }

}  // namespace socialrx::gateway::referral
