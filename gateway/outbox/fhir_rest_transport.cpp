#include "gateway/outbox/fhir_rest_transport.hpp"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include "gateway/outbox/retry_policy.hpp"

namespace socialrx::gateway::outbox {
namespace {

namespace bhttp = boost::beast::http;

http::ClientOptions client_options(const OutboxOptions& options) {
  http::ClientOptions client;
  client.timeout = options.request_timeout;
  client.response_body_limit = 8u << 20;  // a push's answer is one resource or OperationOutcome
  return client;
}

}  // namespace

std::string join_url(const std::string& destination, const std::string& path) {
  std::string url = destination;
  while (url.ends_with('/')) url.pop_back();
  std::string_view rest = path;
  while (rest.starts_with('/')) rest.remove_prefix(1);
  if (!rest.empty()) url += "/" + std::string(rest);
  return url;
}

FhirRestTransport::FhirRestTransport(const OutboxOptions& options)
    : client_(client_options(options)) {
  for (const auto& configured : options.destinations) {
    Destination destination{configured.url_prefix, {}, configured.ca_file};
    if (!configured.bearer_token_env.empty()) {
      const char* token = std::getenv(configured.bearer_token_env.c_str());
      if (token == nullptr || *token == '\0') {
        throw std::runtime_error("outbox: the environment variable " + configured.bearer_token_env +
                                 " (bearer token for " + configured.url_prefix + ") is not set");
      }
      destination.bearer_token = token;
    }
    destinations_.push_back(std::move(destination));
  }
  std::stable_sort(destinations_.begin(), destinations_.end(),
                   [](const Destination& a, const Destination& b) {
                     return a.url_prefix.size() > b.url_prefix.size();
                   });
}

const FhirRestTransport::Destination* FhirRestTransport::destination_for(
    const std::string& url) const {
  for (const auto& destination : destinations_) {
    if (url.starts_with(destination.url_prefix)) return &destination;
  }
  return nullptr;
}

DeliveryOutcome FhirRestTransport::send(const Delivery& delivery) {
  DeliveryOutcome outcome;
  const bhttp::verb method = bhttp::string_to_verb(delivery.method);
  if (method == bhttp::verb::unknown) {
    outcome.verdict = DeliveryOutcome::Verdict::reject;
    outcome.reason = "unknown HTTP method";
    return outcome;
  }
  http::OutboundRequest request;
  request.method = method;
  request.url = join_url(delivery.destination, delivery.path);
  request.body = delivery.body;
  request.headers.emplace_back("Accept", "application/fhir+json");
  if (!delivery.body.empty() || method == bhttp::verb::post || method == bhttp::verb::put ||
      method == bhttp::verb::patch) {
    request.headers.emplace_back("Content-Type", delivery.content_type.empty()
                                                     ? "application/fhir+json"
                                                     : delivery.content_type);
  }
  request.headers.emplace_back(kIdempotencyKeyHeader, delivery.idempotency_key);
  authorize(request);

  const http::ClientResult result = client_.send(request);
  return classify(result);
}

http::ClientResult FhirRestTransport::fetch(const std::string& url) {
  http::OutboundRequest request;
  request.url = url;
  request.headers.emplace_back("Accept", "application/fhir+json");
  authorize(request);
  return client_.send(request);
}

void FhirRestTransport::authorize(http::OutboundRequest& request) const {
  if (const Destination* destination = destination_for(request.url)) {
    if (!destination->bearer_token.empty()) {
      request.headers.emplace_back("Authorization", "Bearer " + destination->bearer_token);
    }
    request.ca_file = destination->ca_file;
  }
}

DeliveryOutcome FhirRestTransport::classify(const http::ClientResult& result) {
  DeliveryOutcome outcome;
  switch (result.error) {
    case http::ClientResult::Error::none: {
      const unsigned status = result.response.result_int();
      outcome.verdict = classify_http_status(status);
      outcome.status = static_cast<int>(status);
      // The reason phrase only: a response body may echo personal data.
      const auto phrase = bhttp::obsolete_reason(result.response.result());
      outcome.reason = "HTTP " + std::to_string(status) + " " + std::string(phrase);
      return outcome;
    }
    case http::ClientResult::Error::bad_url:
      // The destination will not become a URL by waiting.
      outcome.verdict = DeliveryOutcome::Verdict::reject;
      break;
    case http::ClientResult::Error::cancelled:
      outcome.verdict = DeliveryOutcome::Verdict::aborted;
      break;
    default:
      outcome.verdict = DeliveryOutcome::Verdict::retry;
      break;
  }
  outcome.reason = result.reason;
  return outcome;
}

}  // namespace socialrx::gateway::outbox
