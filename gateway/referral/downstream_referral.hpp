#pragma once
// The platform's request to one recipient (DOMAIN.md §1): a ServiceRequest (intent filler-order,
// basedOn the source's, performer = the recipient) and a Task (partOf the source Task, owner =
// the recipient, focus = that ServiceRequest), written inside the current job.

#include <string>
#include <vector>

#include "gateway/referral/directory_candidates.hpp"
#include "gateway/referral/store_access.hpp"

namespace socialrx::gateway::referral {

struct DownstreamReferral {
  std::string service_request;          // "ServiceRequest/<id>"
  std::string task;                     // "Task/<id>"
  std::vector<std::string> disclosed;   // what the recipient may now see: the patient and the SDH resources
};

DownstreamReferral create_downstream_referral(storage::WriteTransaction& transaction, const LoadedResource& source_task,
                                              const LoadedResource& source_request,
                                              const ServiceCandidate& recipient, const std::string& explanation);

}  // namespace socialrx::gateway::referral
