#pragma once
// Full recipients (recipient-mode full: an own FHIR server) get their referral pushed: the
// resources disclosed to them, their ServiceRequest and their Task, each as a PUT to the same id
// on their server (a repeated PUT changes nothing, so a retried delivery never duplicates),
// queued in the outbox inside the job that made them — delivered, retried and ordered per Task
// by the outbox worker.

#include <string>
#include <string_view>
#include <vector>

#include "gateway/referral/store_access.hpp"

namespace socialrx::gateway::referral {

// The FHIR base URL of the organization ("Organization/<id>") when it is a full recipient with an
// Endpoint; empty otherwise.
std::string full_recipient_endpoint(storage::WriteTransaction& transaction, std::string_view organization);

// Queues PUTs of the current versions of `keys` ("Type/id", in this order) to `endpoint`, in one
// ordering lane per downstream Task (`task_key`).
void push_to_recipient(storage::WriteTransaction& transaction, const std::string& endpoint,
                       const std::vector<std::string>& keys, std::string_view task_key);

// After the platform changed a downstream Task (cancelled, consent withdrawn): the Task and its
// ServiceRequest again, when its owner is a full recipient.
void push_task_update(storage::WriteTransaction& transaction, const LoadedResource& task);

}  // namespace socialrx::gateway::referral
