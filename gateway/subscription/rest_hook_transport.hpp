#pragma once
// "rest-hook": the outbox transport of Subscription notifications. A message is
//   POST <destination>   (the Subscription's channel.endpoint, exactly as given)
// with the notification Bundle, Content-Type application/fhir+json, Idempotency-Key, and the
// headers of the Subscription's channel.header (e.g. the receiver's Authorization). The message's
// `path` is the Subscription ("Subscription/<id>"): its headers are read when the message is sent,
// so a client that replaces a token gets it used for what is still queued, and no header value
// sits in the outbox table. A Subscription that is gone, off or unreadable is a rejection (the
// message goes dead and waits for the Subscription to be set active again).
// Statuses are classified as for fhir-rest: 2xx delivered; 408/425/429/5xx and network failures
// retried with backoff; other statuses dead at once. TLS trust: the outbox destination whose
// url_prefix matches the endpoint may name a ca_file; otherwise the system store.

#include "gateway/http/http_client.hpp"
#include "gateway/outbox/outbox_options.hpp"
#include "gateway/outbox/transport.hpp"
#include "gateway/storage/database.hpp"

namespace socialrx::gateway::subscription {

inline constexpr const char* kRestHookTransport = "rest-hook";

class RestHookTransport final : public outbox::Transport {
 public:
  RestHookTransport(storage::Database& database, const outbox::OutboxOptions& options);

  outbox::DeliveryOutcome send(const outbox::Delivery& delivery) override;
  void cancel() override { client_.cancel(); }

 private:
  std::string ca_file_for(const std::string& url) const;

  storage::Database& database_;
  std::vector<outbox::DestinationOptions> destinations_;
  http::HttpClient client_;
};

}  // namespace socialrx::gateway::subscription
