#include "gateway/subscription/rest_hook_transport.hpp"

#include "fhir/json.hpp"
#include "gateway/outbox/fhir_rest_transport.hpp"
#include "gateway/storage/resource_store.hpp"
#include "gateway/subscription/subscription_criteria.hpp"

namespace socialrx::gateway::subscription {
namespace {

http::ClientOptions client_options(const outbox::OutboxOptions& options) {
  http::ClientOptions client;
  client.timeout = options.request_timeout;
  client.response_body_limit = 1u << 20;  // a receiver's answer is not read
  return client;
}

outbox::DeliveryOutcome rejected(std::string reason) {
  outbox::DeliveryOutcome outcome;
  outcome.verdict = outbox::DeliveryOutcome::Verdict::reject;
  outcome.reason = std::move(reason);
  return outcome;
}

}  // namespace

RestHookTransport::RestHookTransport(storage::Database& database, const outbox::OutboxOptions& options)
    : database_(database), destinations_(options.destinations), client_(client_options(options)) {}

std::string RestHookTransport::ca_file_for(const std::string& url) const {
  const outbox::DestinationOptions* best = nullptr;
  for (const auto& destination : destinations_) {
    if (url.starts_with(destination.url_prefix) &&
        (best == nullptr || destination.url_prefix.size() > best->url_prefix.size())) {
      best = &destination;
    }
  }
  return best == nullptr ? std::string() : best->ca_file;
}

outbox::DeliveryOutcome RestHookTransport::send(const outbox::Delivery& delivery) {
  const std::size_t slash = delivery.path.find('/');
  if (!delivery.path.starts_with("Subscription/") || slash + 1 >= delivery.path.size()) {
    return rejected("not a Subscription notification");
  }
  storage::ResourceStore store(database_);
  std::optional<storage::StoredResource> stored;
  try {
    stored = store.read("Subscription", std::string_view(delivery.path).substr(slash + 1));
  } catch (const std::exception& error) {
    outbox::DeliveryOutcome outcome;  // the database is away for a moment: retry
    outcome.reason = std::string("cannot read the Subscription: ") + error.what();
    return outcome;
  }
  if (!stored || stored->deleted) return rejected("the Subscription was deleted");
  auto parsed = fhir::json::parse_owned(std::move(stored->body));
  if (!parsed.document) return rejected("the Subscription is unreadable");
  const fhir::json::Value& subscription = parsed.document->root();
  const std::string_view status = subscription.string_at("status");
  if (status != "active" && status != "error") return rejected("the Subscription is " + std::string(status));
  fhir::Issues problems;
  const auto channel = parse_subscription(subscription, problems);
  if (!channel) return rejected("the Subscription is not one socialrx can serve");

  http::OutboundRequest request;
  request.method = boost::beast::http::verb::post;
  request.url = delivery.destination;
  request.body = delivery.body;
  request.ca_file = ca_file_for(delivery.destination);
  request.headers.emplace_back("Content-Type", "application/fhir+json");
  request.headers.emplace_back(outbox::kIdempotencyKeyHeader, delivery.idempotency_key);
  for (const Header& header : channel->headers) request.headers.push_back(header);
  return outbox::FhirRestTransport::classify(client_.send(request));
}

}  // namespace socialrx::gateway::subscription
