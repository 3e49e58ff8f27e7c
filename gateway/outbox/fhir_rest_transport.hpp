#pragma once
// "fhir-rest": a message is one FHIR REST interaction on the recipient's server —
//   METHOD destination/path   with the body,
//   Content-Type (the message's, application/fhir+json by default), Accept: application/fhir+json,
//   Idempotency-Key: <the message's idempotency key>,
//   Authorization: Bearer <token> when a configured destination (url_prefix) names a token.
// The status decides (retry_policy.hpp): 2xx delivered; 408/425/429/5xx, unreachable, TLS and
// timeouts retry; other statuses dead at once.
//
// Idempotency: FHIR servers do not generally honour Idempotency-Key (it is sent so that those
// that do, and proxies and logs, can tell a retry from a new request). What makes a retried push
// safe is the interaction: PUT to a fixed id (update-as-create) gives the same result however
// often it arrives, and a POST should carry If-None-Exist (conditional create). Prefer PUT.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gateway/http/http_client.hpp"
#include "gateway/outbox/outbox_options.hpp"
#include "gateway/outbox/transport.hpp"

namespace socialrx::gateway::outbox {

// The header that carries the idempotency key.
inline constexpr const char* kIdempotencyKeyHeader = "Idempotency-Key";

class FhirRestTransport final : public Transport {
 public:
  // Reads every destination's bearer token from its environment variable now; throws
  // std::runtime_error (start-up) naming the variable, never a value, when one is not set.
  explicit FhirRestTransport(const OutboxOptions& options);

  DeliveryOutcome send(const Delivery& delivery) override;
  void cancel() override { client_.cancel(); }

  // GET of an absolute URL with the same credentials and trust anchors a push to it would use
  // (the referral workflow reads full recipients' Tasks back this way).
  http::ClientResult fetch(const std::string& url);

  // What a response or a failure means for the message (retry_policy.hpp); the reason carries
  // the status and reason phrase only, never a body. Also used by gateway/subscription's rest-hook.
  static DeliveryOutcome classify(const http::ClientResult& result);

 private:
  struct Destination {
    std::string url_prefix;
    std::string bearer_token;
    std::string ca_file;
  };
  const Destination* destination_for(const std::string& url) const;
  void authorize(http::OutboundRequest& request) const;  // Authorization and ca_file for its URL

  std::vector<Destination> destinations_;  // longest prefix first
  http::HttpClient client_;
};

// destination + "/" + path, with exactly one slash between them.
std::string join_url(const std::string& destination, const std::string& path);

}  // namespace socialrx::gateway::outbox
