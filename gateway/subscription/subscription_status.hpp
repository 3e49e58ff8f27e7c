#pragma once
// Subscription.status as socialrx manages it (R4: the server sets it):
//   a client writes requested (or active)  → active, any earlier error text removed;
//   the outbox gives up on a notification  → error, with Subscription.error saying why;
//   a client sets an errored one back to requested/active → active again, and its dead
//   notifications are queued again (in their order, before anything newer);
//   off (by the client) → nothing is sent until it is set back.
// Each change is a new version of the Subscription, written inside the caller's write job.

#include <string>
#include <string_view>

#include "gateway/storage/resource_store.hpp"

namespace socialrx::gateway::subscription {

// The outbox ordering key of Subscription/<id>'s notifications: one lane per Subscription, so
// its events arrive in the order they happened.
std::string ordering_key(std::string_view subscription_id);

// After a client's write of Subscription/<id> (rest/workflow_hooks, inside the same job).
void activate_after_client_write(storage::WriteTransaction& transaction, std::string_view subscription_id);

// The outbox marked a notification of Subscription/<id> dead (`error`: the outbox's short
// reason, never a body). Does nothing when the Subscription is gone or not active.
void mark_delivery_failed(storage::WriteTransaction& transaction, std::string_view subscription_id,
                          std::string_view error);

}  // namespace socialrx::gateway::subscription
