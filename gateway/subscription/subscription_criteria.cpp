#include "gateway/subscription/subscription_criteria.hpp"

#include <algorithm>
#include <cctype>

#include "gateway/rest/query_string.hpp"
#include "gateway/rest/write_errors.hpp"
#include "gateway/search/search_parameters.hpp"

namespace socialrx::gateway::subscription {
namespace {

using fhir::IssueType;
using fhir::json::Value;

// Backport IG: the content of a notification (empty | id-only | full-resource), an extension of
// channel.payload in R4.
constexpr std::string_view kPayloadContentUrl =
    "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-payload-content";

// Search parameters that shape a result page, not which resources match: meaningless for a
// Subscription, and refused so that a client does not believe they do something.
bool shapes_results(const search::SearchRequest& request) {
  return !request.includes.empty() || !request.revincludes.empty() || request.summary_count ||
         request.after.has_value() || request.snapshot.has_value();
}

void check_criteria(std::string_view criteria, ParsedSubscription& parsed, fhir::Issues& problems) {
  constexpr const char* kPath = "Subscription.criteria";
  const std::size_t question = criteria.find('?');
  const std::string_view type = criteria.substr(0, question);
  if (question == std::string_view::npos || type.empty()) {
    problems.error(IssueType::value, kPath, "criteria must be a search: Type?parameter=value (e.g. Task?requester=Organization/x)");
    return;
  }
  if (!search::is_supported_resource_type(type) || type == "Subscription") {
    problems.error(IssueType::not_supported, kPath,
                   "socialrx sends no notifications about " + std::string(type) + " resources");
    return;
  }
  parsed.criteria_type = std::string(type);
  parsed.search = search::parse_search_request(type, rest::parse_query_string(criteria.substr(question + 1)));
  for (const fhir::Issue& issue : parsed.search.problems) {
    problems.error(IssueType::value, kPath, issue.diagnostics);
  }
  for (const std::string& name : parsed.search.ignored) {
    problems.error(IssueType::not_supported, kPath,
                   "the search parameter " + name + " is not supported on " + std::string(type));
  }
  if (shapes_results(parsed.search)) {
    problems.error(IssueType::not_supported, kPath,
                   "_include, _revinclude, _summary and paging parameters do not apply to a Subscription");
  }
  if (parsed.search.criteria.empty() && !problems.has_errors()) {
    problems.error(IssueType::value, kPath,
                   "criteria must name what is followed (e.g. Task?requester=Organization/x): "
                   "notifications about every " + std::string(type) + " are not offered");
  }
}

bool is_http_url(std::string_view url) {
  std::string_view rest;
  if (url.starts_with("https://")) {
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else {
    return false;
  }
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  return !authority.empty() && std::none_of(url.begin(), url.end(), [](unsigned char c) { return c <= ' '; });
}

bool is_header_name(std::string_view name) {
  // RFC 9110 token characters.
  return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
  });
}

std::string trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return std::string(text);
}

// Headers the transport sets itself (or that would break the request).
bool reserved_header(std::string name) {
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name == "host" || name == "content-type" || name == "content-length" || name == "transfer-encoding" ||
         name == "connection" || name == "idempotency-key";
}

void check_channel(const Value* channel, ParsedSubscription& parsed, fhir::Issues& problems) {
  if (channel == nullptr || !channel->is_object()) {
    problems.error(IssueType::required, "Subscription.channel", "channel is required");
    return;
  }
  if (channel->string_at("type") != "rest-hook") {
    problems.error(IssueType::not_supported, "Subscription.channel.type",
                   "socialrx sends notifications by rest-hook only (not " + std::string(channel->string_at("type")) + ")");
  }
  parsed.endpoint = std::string(channel->string_at("endpoint"));
  if (!is_http_url(parsed.endpoint)) {
    problems.error(IssueType::value, "Subscription.channel.endpoint",
                   "a rest-hook needs an http:// or https:// endpoint URL");
  }
  if (const Value* payload = channel->find("payload")) {
    if (payload->text() != "application/fhir+json") {
      problems.error(IssueType::not_supported, "Subscription.channel.payload",
                     "notifications are sent as application/fhir+json (or leave payload out)");
    }
  }
  // R4 JSON: the extensions of the primitive `payload` sit in `_payload`.
  if (const Value* payload = channel->find("_payload"); payload != nullptr) {
    if (const Value* extensions = payload->find("extension")) {
      for (const Value& extension : extensions->items()) {
        if (extension.string_at("url") != kPayloadContentUrl) continue;
        const std::string_view content = extension.string_at("valueCode");
        if (content != "id-only") {
          problems.error(IssueType::not_supported, "Subscription.channel.payload",
                         "only id-only notifications are sent (SDH information never leaves in a notification), not " +
                             std::string(content));
        }
      }
    }
  }
  if (const Value* headers = channel->find("header")) {
    std::size_t index = 0;
    for (const Value& header : headers->items()) {
      const std::string path = "Subscription.channel.header[" + std::to_string(index++) + "]";
      const std::string_view text = header.text();
      const std::size_t colon = text.find(':');
      if (colon == std::string_view::npos || !is_header_name(text.substr(0, colon)) ||
          text.find_first_of("\r\n") != std::string_view::npos) {
        problems.error(IssueType::value, path, "a header is \"Name: value\" on one line");
        continue;
      }
      std::string name(text.substr(0, colon));
      if (reserved_header(name)) {
        problems.error(IssueType::value, path, "the header " + name + " is set by socialrx");
        continue;
      }
      parsed.headers.emplace_back(std::move(name), trimmed(text.substr(colon + 1)));
    }
  }
}

// The parameters that say whose referral a resource is, per type a bound client may follow.
std::vector<std::string_view> party_parameters(std::string_view type) {
  if (type == "Task") return {"requester", "owner"};
  if (type == "ServiceRequest") return {"requester", "performer"};
  return {};
}

// Some criterion on a party parameter matches only `organization` (every value is it).
bool pinned_to(const search::SearchRequest& search, std::string_view organization) {
  const auto parties = party_parameters(search.type);
  for (const search::Criterion& criterion : search.criteria) {
    if (criterion.parameter == nullptr ||
        std::find(parties.begin(), parties.end(), criterion.parameter->code) == parties.end() ||
        (!criterion.modifier.empty() && criterion.modifier != "Organization") || criterion.values.empty()) {
      continue;
    }
    const std::string_view id = std::string_view(organization).substr(organization.find('/') + 1);
    const bool only_it = std::all_of(criterion.values.begin(), criterion.values.end(), [&](const std::string& value) {
      return value == organization || (criterion.modifier == "Organization" && value == id);
    });
    if (only_it) return true;
  }
  return false;
}

}  // namespace

std::optional<ParsedSubscription> parse_subscription(const Value& subscription, fhir::Issues& problems) {
  ParsedSubscription parsed;
  const std::size_t before = problems.size();
  check_criteria(subscription.string_at("criteria"), parsed, problems);
  check_channel(subscription.find("channel"), parsed, problems);
  if (problems.size() != before) return std::nullopt;
  return parsed;
}

void check_client_subscription(const Value& subscription, const rest::Principal& principal,
                               std::string_view organization) {
  fhir::Issues problems;
  const auto parsed = parse_subscription(subscription, problems);
  if (!parsed) {
    const fhir::Issue& first = *problems.begin();
    rest::WriteRefused refused(rest::Status::unprocessable_entity, first.code, first.diagnostics, first.expression);
    refused.issues = problems;
    throw refused;
  }
  if (!rest::permits(principal, parsed->criteria_type, rest::Permission::read) ||
      !rest::permits(principal, parsed->criteria_type, rest::Permission::search)) {
    throw rest::WriteRefused(rest::Status::forbidden, IssueType::forbidden,
                             "the client may not read and search " + parsed->criteria_type +
                                 ", so it may not subscribe to it",
                             "Subscription.criteria");
  }
  if (!organization.empty() && !pinned_to(parsed->search, organization)) {
    const auto parties = party_parameters(parsed->criteria_type);
    throw rest::WriteRefused(
        rest::Status::forbidden, IssueType::forbidden,
        parties.empty() ? "a client acting for an organization follows its own Tasks and ServiceRequests only"
                        : "a client acting for " + std::string(organization) + " follows its own referrals: the criteria must have " +
                              std::string(parties[0]) + "=" + std::string(organization) + " or " +
                              std::string(parties[1]) + "=" + std::string(organization),
        "Subscription.criteria");
  }
}

}  // namespace socialrx::gateway::subscription
