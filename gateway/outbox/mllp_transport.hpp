#pragma once
// "mllp": a message is one HL7 v2 message sent over MLLP (gateway/mllp/client.hpp) to
//   destination  mllp://host:port  or  mllps://host:port  (TLS 1.2+, certificate verified against
//                the ca_file of the configured destination whose url_prefix matches, else the
//                system store);
//   body         the message bytes exactly as they go out (already in the receiver's charset);
//   method, path, content_type: not used.
// The reply's MSA-1 decides (HL7 v2.5 ch. 2.9, original and enhanced acknowledgment):
//   AA, CA      delivered;
//   AE, CE      retry (the receiver had an error it may get over);
//   AR, CR      dead at once (it will not take this message as it is);
//   no reply in time, no MSA-1, unreachable, TLS failure: retry.
// One connection per destination is kept open between messages and reconnected after a failure.
//
// Idempotency: MLLP has no header for it. A receiver recognises a repeat by the sending
// application/facility and the control id (MSH-3/4, MSH-10), so the message's MSH-10 must be
// fixed when it is queued (derive it from the idempotency key): a retry after a lost ACK is then
// a duplicate the receiver answers without processing it twice.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gateway/mllp/client.hpp"
#include "gateway/outbox/outbox_options.hpp"
#include "gateway/outbox/transport.hpp"

namespace socialrx::gateway::outbox {

class MllpTransport final : public Transport {
 public:
  explicit MllpTransport(const OutboxOptions& options);

  DeliveryOutcome send(const Delivery& delivery) override;
  void cancel() override;

 private:
  mllp::MllpClient* client_for(const std::string& destination, const mllp::MllpUrl& url);

  std::vector<DestinationOptions> destinations_;  // longest url_prefix first
  std::chrono::milliseconds connect_timeout_;
  std::chrono::milliseconds ack_timeout_;

  std::mutex mutex_;  // clients_ and cancelled_ (cancel() comes from another thread)
  bool cancelled_ = false;
  std::map<std::string, std::unique_ptr<mllp::MllpClient>> clients_;  // by destination URL
};

}  // namespace socialrx::gateway::outbox
