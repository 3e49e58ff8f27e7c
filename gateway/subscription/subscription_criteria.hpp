#pragma once
// What socialrx accepts as an R4 Subscription (rest-hook, id-only) and what it reads out of a
// stored one. Pure: no I/O, no clock. The REST write path (rest/workflow_hooks) refuses a client's
// Subscription through check_client_subscription(); the notifier (subscription_notifier.hpp)
// parses the active ones with parse_subscription().

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fhir/json.hpp"
#include "fhir/outcome.hpp"
#include "gateway/rest/auth.hpp"
#include "gateway/search/search_request.hpp"

namespace socialrx::gateway::subscription {

// "Name: value" from Subscription.channel.header, split.
using Header = std::pair<std::string, std::string>;

struct ParsedSubscription {
  std::string criteria_type;      // "Task" in "Task?requester=Organization/x"
  search::SearchRequest search;   // the criteria, as the search API would run them
  std::string endpoint;           // channel.endpoint
  std::vector<Header> headers;    // channel.header
};

// Parses and checks a Subscription. Problems name the element ("Subscription.criteria",
// "Subscription.channel.type", …); nullopt when there is any.
std::optional<ParsedSubscription> parse_subscription(const fhir::json::Value& subscription, fhir::Issues& problems);

// A client writes `subscription` (create or update): throws rest::WriteRefused — 422 with the
// problems of parse_subscription(), 403 when the principal may not read and search the criteria's
// resource type (a client subscribes only to what it may read). A client that acts for an
// organization (`organization`: its "Organization/<id>", resolved; empty for clients bound to
// none) follows only its own referrals: Task criteria must pin requester or owner, ServiceRequest
// criteria requester or performer, to that organization (403 otherwise). Statuses `off` and
// `error` are stored as they come (nothing is sent for them) but must still be well-formed.
void check_client_subscription(const fhir::json::Value& subscription, const rest::Principal& principal,
                               std::string_view organization);

}  // namespace socialrx::gateway::subscription
