#include "gateway/outbox/mllp_transport.hpp"

#include <algorithm>

#include "gateway/mllp/acknowledgment.hpp"

namespace socialrx::gateway::outbox {

MllpTransport::MllpTransport(const OutboxOptions& options)
    : destinations_(options.destinations),
      connect_timeout_(options.request_timeout),
      ack_timeout_(options.mllp_ack_timeout) {
  std::stable_sort(destinations_.begin(), destinations_.end(),
                   [](const DestinationOptions& a, const DestinationOptions& b) {
                     return a.url_prefix.size() > b.url_prefix.size();
                   });
}

mllp::MllpClient* MllpTransport::client_for(const std::string& destination,
                                            const mllp::MllpUrl& url) {
  std::lock_guard lock(mutex_);
  if (cancelled_) return nullptr;
  auto& client = clients_[destination];
  if (!client) {
    mllp::MllpClientOptions options;
    options.host = url.host;
    options.port = url.port;
    options.tls = url.tls;
    options.connect_timeout = connect_timeout_;
    options.reply_timeout = ack_timeout_;
    for (const auto& configured : destinations_) {
      if (destination.starts_with(configured.url_prefix)) {
        options.ca_file = configured.ca_file;
        break;
      }
    }
    client = std::make_unique<mllp::MllpClient>(std::move(options));
  }
  return client.get();
}

DeliveryOutcome MllpTransport::send(const Delivery& delivery) {
  DeliveryOutcome outcome;
  const auto url = mllp::parse_mllp_url(delivery.destination);
  if (!url) {
    // Not an address: waiting will not make it one.
    outcome.verdict = DeliveryOutcome::Verdict::reject;
    outcome.reason = "not an mllp:// or mllps:// destination";
    return outcome;
  }
  mllp::MllpClient* client = client_for(delivery.destination, *url);
  if (client == nullptr) {
    outcome.verdict = DeliveryOutcome::Verdict::aborted;
    outcome.reason = "cancelled";
    return outcome;
  }
  const mllp::MllpResult result = client->exchange(delivery.body);
  if (!result.ok()) {
    outcome.verdict = result.error == mllp::MllpResult::Error::cancelled
                          ? DeliveryOutcome::Verdict::aborted
                          : DeliveryOutcome::Verdict::retry;
    outcome.reason = result.reason;
    return outcome;
  }
  // The code only: the rest of the reply (ERR segments, MSA-3 text) may quote the message.
  const std::string code = mllp::acknowledgment_code(result.reply);
  switch (mllp::classify_acknowledgment(code)) {
    case mllp::AckVerdict::accepted:
      outcome.verdict = DeliveryOutcome::Verdict::delivered;
      outcome.reason = "MSA-1 " + code;
      break;
    case mllp::AckVerdict::rejected:
      outcome.verdict = DeliveryOutcome::Verdict::reject;
      outcome.reason = "MSA-1 " + code + " (rejected by the receiver)";
      break;
    case mllp::AckVerdict::retry:
      outcome.verdict = DeliveryOutcome::Verdict::retry;
      outcome.reason = "MSA-1 " + code + " (error at the receiver)";
      break;
    case mllp::AckVerdict::unknown:
      outcome.verdict = DeliveryOutcome::Verdict::retry;
      outcome.reason = code.empty() ? "the reply has no MSA-1" : "unknown MSA-1 in the reply";
      break;
  }
  return outcome;
}

void MllpTransport::cancel() {
  std::lock_guard lock(mutex_);
  cancelled_ = true;
  for (auto& [destination, client] : clients_) client->cancel();
}

}  // namespace socialrx::gateway::outbox
