#pragma once
// The closed-loop referral workflow (issue #5; DOMAIN.md §1, §7, §8), run inside the write job
// that stores the client's change, so that a referral and everything it causes (routing, the
// downstream ServiceRequest and Task, the mirrored status, the disclosure record) commit together
// or not at all: no crash can leave a Task routed but not stored, or stored but never routed.
//
//   source Task (requested, code fulfill, focus → ServiceRequest order)   ← the clinic
//     │ consent gate (consent_gate.hpp) × routing (router.hpp over the directory)
//     ├─ routed:    downstream ServiceRequest (filler-order, basedOn the source's) + Task
//     │             (partOf the source Task, owner = recipient), AuditEvent of the disclosure;
//     │             the source Task's businessStatus says "routed", its note explains the decision
//     └─ waiting:   the source Task goes accepted → on-hold, businessStatus consent-required or
//                   no-recipient; a later Consent (or a changed ServiceRequest) routes it again
//   downstream Task changes (the recipient)  → mirrored onto the source Task; rejected → the next
//                                               candidate, or back to the source when none is left
//   source Task cancelled (the clinic)       → every open downstream Task cancelled

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fhir/json.hpp"
#include "gateway/referral/routing_rules.hpp"
#include "gateway/storage/resource_store.hpp"

namespace socialrx::gateway::referral {

// Who is writing, as far as the workflow cares.
struct Actor {
  // "Organization/<id>" of the calling client, when its configuration binds it to one: it may then
  // set only the Task statuses of its role (requester or owner). Empty for clients bound to no
  // organization and in --dev: only the transition table is checked.
  std::string organization;
};

struct WrittenResource {
  std::string type;
  std::string id;
  bool deleted = false;
};

class Workflow {
 public:
  explicit Workflow(RoutingRules rules) : rules_(std::move(rules)) {}

  // Before a client writes type/id (`next`; nullptr for a delete): the Task rules of DOMAIN.md §1.
  // Throws rest::WriteRefused (409 transition or role, 422 content, 403 a stranger's Task).
  void check_client_write(storage::WriteTransaction& transaction, const Actor& actor, std::string_view type,
                          std::string_view id, const fhir::json::Value* next) const;

  // After a client's writes in one job: routes new referrals, mirrors downstream changes, passes
  // cancels down, and routes waiting referrals again when their consent arrives. Throws
  // rest::WriteRefused (422) when a new referral cannot be accepted (e.g. its focus is missing).
  void react(storage::WriteTransaction& transaction, const std::vector<WrittenResource>& written) const;

  // A full recipient's Task as read back from its own server (recipient_poller.hpp): what its
  // owner may change (status, statusReason, businessStatus, output, executionPeriod, note) is
  // taken over, checked as the owner's write would be, and mirrored onto the source Task.
  // Returns false when nothing changed; throws rest::WriteRefused when the change is refused.
  bool take_recipient_update(storage::WriteTransaction& transaction, const std::string& task_key,
                             const fhir::json::Value& remote) const;

  const RoutingRules& rules() const { return rules_; }

 private:
  RoutingRules rules_;
};

}  // namespace socialrx::gateway::referral
