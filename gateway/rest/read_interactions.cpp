// read, vread and history: answered at once on the I/O thread from a pooled read connection.

#include <charconv>

#include "fhir/date_time.hpp"
#include "gateway/rest/bundle_writer.hpp"
#include "gateway/rest/exchange.hpp"
#include "gateway/rest/recipient_reads.hpp"

namespace socialrx::gateway::rest {
namespace {

std::optional<std::int64_t> parse_number(std::string_view text) {
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

http::Response gone(const http::Request& request, const storage::StoredResource& resource) {
  http::Response response =
      error_response(request, Status::gone, fhir::IssueType::deleted,
                     resource.type + "/" + resource.id + " was deleted");
  response.set(boost::beast::http::field::etag, version_etag(resource.version));
  return response;
}

std::string history_method(const storage::StoredResource& version) {
  if (version.deleted) return "DELETE";
  return version.version == 1 ? "POST" : "PUT";
}

}  // namespace

void handle_read(ApiServices& services, const ExchangePtr& exchange) {
  const Route& route = exchange->route;
  const auto gate = referral::is_gated_type(route.type) ? read_gate_for(services, *exchange) : std::nullopt;
  const auto resource = services.store.read(route.type, route.id);
  // A resource the recipient may not see is answered like one that does not exist.
  if (!resource || (gate && access_to(*gate, *resource) == referral::RecipientView::Access::hidden)) {
    exchange->reply(error_response(exchange->request, Status::not_found, fhir::IssueType::not_found,
                                   route.type + "/" + route.id + " is not known"));
  } else if (resource->deleted) {
    exchange->reply(gone(exchange->request, *resource));
  } else {
    DisclosedReads reads(gate ? &*gate : nullptr);
    reads.add(route.type, route.id);
    reply_recorded(services, exchange, "read", std::move(reads),
                   resource_response(exchange->request, Status::ok, *resource, exchange->base_url, false,
                                     ReturnPreference::representation));
  }
}

void handle_vread(ApiServices& services, const ExchangePtr& exchange) {
  const Route& route = exchange->route;
  const auto version = parse_number(route.version);
  const auto gate = referral::is_gated_type(route.type) ? read_gate_for(services, *exchange) : std::nullopt;
  const auto resource = version ? services.store.vread(route.type, route.id, *version) : std::nullopt;
  if (!resource || (gate && access_to(*gate, *resource) == referral::RecipientView::Access::hidden)) {
    exchange->reply(error_response(exchange->request, Status::not_found, fhir::IssueType::not_found,
                                   route.type + "/" + route.id + " has no version " + route.version));
  } else if (resource->deleted) {
    exchange->reply(gone(exchange->request, *resource));
  } else {
    DisclosedReads reads(gate ? &*gate : nullptr);
    reads.add(route.type, route.id);
    reply_recorded(services, exchange, "vread", std::move(reads),
                   resource_response(exchange->request, Status::ok, *resource, exchange->base_url, false,
                                     ReturnPreference::representation));
  }
}

void handle_history(ApiServices& services, const ExchangePtr& exchange) {
  const Route& route = exchange->route;
  storage::ResourceStore::HistoryQuery query;
  query.type = route.type;
  query.id = route.id;
  for (const QueryParam& param : exchange->query) {
    if (param.name == "_count") {
      const auto count = parse_number(param.value);
      if (!count || *count < 0) {
        exchange->reply(error_response(exchange->request, Status::bad_request, fhir::IssueType::value,
                                       "_count must be a whole number ≥ 0"));
        return;
      }
      query.count = static_cast<std::size_t>(std::min<std::int64_t>(*count, 1000));
    } else if (param.name == "_since") {
      const auto range = fhir::time_range(param.value);
      if (!range) {
        exchange->reply(error_response(exchange->request, Status::bad_request, fhir::IssueType::value,
                                       "_since must be an instant"));
        return;
      }
      query.since_ms = range->low_ms;
    } else if (param.name == "_before_seq") {
      query.before_seq = parse_number(param.value);
    }
  }
  // Type and system history of a gated client leave out what it may not see; the history of one
  // such resource is unknown to it.
  const bool may_gate = route.type.empty() || referral::is_gated_type(route.type);
  const auto gate = may_gate ? read_gate_for(services, *exchange) : std::nullopt;
  if (!route.id.empty()) {
    const auto current = services.store.read(route.type, route.id);
    if (!current || (gate && access_to(*gate, *current) == referral::RecipientView::Access::hidden)) {
      exchange->reply(error_response(exchange->request, Status::not_found, fhir::IssueType::not_found,
                                     route.type + "/" + route.id + " is not known"));
      return;
    }
  }
  const std::size_t wanted = query.count;
  query.count = wanted + 1;  // one more tells whether there is a next page
  auto versions = services.store.history(query);

  std::string self = exchange->base_url;
  if (!route.type.empty()) self += "/" + route.type;
  if (!route.id.empty()) self += "/" + route.id;
  self += "/_history";
  BundleWriter bundle("history");
  bundle.link("self", self + (exchange->route.query.empty() ? "" : "?" + exchange->route.query));
  if (versions.size() > wanted) {
    versions.resize(wanted);
    std::string next = self + "?_count=" + std::to_string(wanted) +
                       "&_before_seq=" + std::to_string(versions.back().seq);
    if (query.since_ms) next += "&_since=" + fhir::format_instant(*query.since_ms);
    bundle.link("next", next);
  }
  DisclosedReads reads(gate ? &*gate : nullptr);
  for (const storage::StoredResource& version : versions) {
    if (gate && route.id.empty() && access_to(*gate, version) == referral::RecipientView::Access::hidden) continue;
    reads.add(version.type, version.id);
    BundleWriter::Entry entry;
    entry.full_url = exchange->base_url + "/" + version.type + "/" + version.id;
    entry.resource = version.deleted ? std::string_view() : std::string_view(version.body);
    entry.request_method = history_method(version);
    entry.request_url = version.type + (entry.request_method == "POST" ? "" : "/" + version.id);
    entry.response_status = version.deleted ? "204" : (version.version == 1 ? "201" : "200");
    entry.response_etag = version_etag(version.version);
    entry.response_last_modified = fhir::format_instant(version.last_updated_ms);
    bundle.entry(entry);
  }
  const char* interaction = !route.id.empty() ? "history-instance" : route.type.empty() ? "history-system" : "history-type";
  reply_recorded(services, exchange, interaction, std::move(reads),
                 json_response(exchange->request, Status::ok, bundle.finish()));
}

}  // namespace socialrx::gateway::rest
