#pragma once
// The referral Task state machine (DOMAIN.md §1; Gravity SDOHCC-TaskForReferralManagement) and
// who may write what, as a pure check of one Task write: the stored Task (none on create), the
// Task being written and the party writing it. No I/O, never throws; the REST write path turns a
// refusal into an OperationOutcome with its HTTP status.
//
//   draft       → requested
//   requested   → accepted | rejected | cancelled
//   accepted    → in-progress | on-hold | cancelled | completed | failed
//   in-progress → on-hold | cancelled | completed | failed
//   on-hold     → in-progress | cancelled | completed | failed
//   any         → entered-in-error
// `ready` and `received` are never used for referral Tasks (status drift is a known pain point).
// The requester sets draft, requested and entered-in-error; the owner sets accepted, rejected,
// in-progress, on-hold, failed and completed; either cancels; the platform (socialrx mirroring a
// full recipient, or routing) sets whatever the table allows. Details and the field rules:
// gateway/referral/README.md.

#include <optional>
#include <span>
#include <string_view>

#include "fhir/json.hpp"
#include "fhir/outcome.hpp"

namespace socialrx::gateway::referral {

enum class TaskParty {
  requester,  // the organization in Task.requester (the referral source)
  owner,      // the organization in Task.owner (the recipient)
  platform,   // socialrx itself: routing, delivery, mirroring a full recipient's updates
};

struct TransitionRefusal {
  // 409 when the write conflicts with the stored Task: a status change outside the table, a status
  // the party may not set, an element the party may not change, a change to a finished Task.
  // 422 when the Task itself is wrong whatever was stored: a missing required element, status
  // ready/received, statusReason without text, code other than task-code#fulfill, intent not order.
  int http_status = 409;
  fhir::Issues issues;  // business-rule / required / value, with the element path
};

// The statuses of the referral state machine, in table order (not ready and received).
std::span<const std::string_view> referral_task_statuses();

// Whether the table allows `from` → `to` (a status change; from == to is not a transition).
bool is_allowed_transition(std::string_view from, std::string_view to);
// Whether `party` may set status `to` (who-may-set-what; the platform may set every status).
bool may_set_status(TaskParty party, std::string_view to);
// rejected, cancelled, completed, failed, entered-in-error: nothing follows but entered-in-error.
bool is_terminal(std::string_view status);

// A referral Task in Gravity's sense: Task.code is http://hl7.org/fhir/CodeSystem/task-code#fulfill.
// The write path applies check_task_write to a write when the stored or the new Task is one.
bool is_referral_task(const fhir::json::Value& task);

// Checks one write of a referral Task. `previous` is the stored Task (nullptr on create), `next`
// the Task as it would be stored. Returns nothing when the write may go ahead.
std::optional<TransitionRefusal> check_task_write(const fhir::json::Value* previous,
                                                  const fhir::json::Value& next, TaskParty party);

}  // namespace socialrx::gateway::referral
