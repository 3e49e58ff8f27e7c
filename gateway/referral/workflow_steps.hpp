#pragma once
// The steps of the referral workflow (workflow.hpp), each in its own file; internal to
// gateway/referral.

#include <string>
#include <string_view>

#include "gateway/referral/routing_rules.hpp"
#include "gateway/referral/store_access.hpp"

namespace socialrx::gateway::referral {

// route_referral.cpp: consent gate × routing for a source Task that waits for a recipient
// (requested, or on-hold after an earlier attempt). Creates the downstream pair and marks the
// source Task routed, or says why it could not; hold_referral then puts the Task on hold.
// `client_initiated`: problems with the referral itself (missing focus, no need domain, no
// patient) are refused with 422 instead of being reported as `incomplete`.
struct RoutingResult {
  enum class Outcome { routed, no_recipient, consent_required, incomplete };
  Outcome outcome = Outcome::incomplete;
  std::string reason;       // statusReason text for a Task that has to wait
  std::string explanation;  // the routing decision (and consent verdicts), for Task.note
};
RoutingResult route_referral(storage::WriteTransaction& transaction, const RoutingRules& rules,
                             LoadedResource& source_task, bool client_initiated);
// Puts the source Task on hold (via accepted when it was requested) with the result's reason and
// businessStatus no-recipient or consent-required.
void hold_referral(storage::WriteTransaction& transaction, LoadedResource& source_task, const RoutingResult& result);

// mirror_status.cpp: a downstream Task changed (by its owner, or pulled from a full recipient):
// its status is mirrored onto the source Task; a rejection moves on to the next candidate.
void mirror_downstream_change(storage::WriteTransaction& transaction, const RoutingRules& rules,
                              const LoadedResource& downstream_task);

// mirror_status.cpp: the source cancelled (or marked entered-in-error) its Task: every open
// downstream Task and its ServiceRequest follow.
void cancel_downstream(storage::WriteTransaction& transaction, const LoadedResource& source_task);

// route_referral.cpp: source Tasks waiting on hold whose focus is this ServiceRequest are routed
// again (a Consent was added or changed).
void route_waiting_referrals(storage::WriteTransaction& transaction, const RoutingRules& rules,
                             std::string_view service_request_key);

}  // namespace socialrx::gateway::referral
