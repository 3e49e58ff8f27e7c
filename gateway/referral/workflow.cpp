#include "gateway/referral/workflow.hpp"

#include "gateway/referral/business_status.hpp"
#include "gateway/referral/recipient_push.hpp"
#include "gateway/referral/referral_model.hpp"
#include "gateway/referral/resource_json.hpp"
#include "gateway/referral/task_transitions.hpp"
#include "gateway/referral/task_updates.hpp"
#include "gateway/referral/workflow_steps.hpp"
#include "gateway/rest/write_errors.hpp"

namespace socialrx::gateway::referral {
namespace {

using fhir::json::Value;

// The caller's role in this Task: requester or owner (by organization), or — for clients bound
// to no organization — unrestricted by role (the transition table still applies).
TaskParty party_of(const Actor& actor, const Value* previous, const Value& next) {
  if (actor.organization.empty()) return TaskParty::platform;
  const Value& task = previous != nullptr ? *previous : next;
  const std::string owner = reference_key(task.find("owner"));
  const std::string requester = reference_key(task.find("requester"));
  if (owner == actor.organization && (requester != actor.organization || previous != nullptr)) {
    return TaskParty::owner;
  }
  if (requester == actor.organization) return TaskParty::requester;
  throw rest::WriteRefused(rest::Status::forbidden, fhir::IssueType::forbidden,
                           "the client acts for " + actor.organization + ", which is neither the requester (" +
                               (requester.empty() ? "none" : requester) + ") nor the owner (" +
                               (owner.empty() ? "none" : owner) + ") of this Task",
                           "Task");
}

[[noreturn]] void refuse(const TransitionRefusal& refusal) {
  const std::string first = refusal.issues.empty() ? "refused" : refusal.issues.begin()->diagnostics;
  rest::WriteRefused refused(static_cast<rest::Status>(refusal.http_status), fhir::IssueType::business_rule, first);
  refused.issues = refusal.issues;
  throw refused;
}

// ServiceRequests of the Consent's patient that name it in supportingInfo.
std::vector<std::string> requests_citing(storage::WriteTransaction& transaction, const LoadedResource& consent) {
  std::vector<std::string> citing;
  const std::string patient = reference_key(consent.root().find("patient"));
  if (patient.empty()) return citing;
  for (const std::string& id : find_ids(transaction, "ServiceRequest", "patient=" + patient)) {
    auto request = load(transaction, "ServiceRequest/" + id);
    if (!request) continue;
    const auto cited = reference_keys(request->root(), "supportingInfo");
    if (std::find(cited.begin(), cited.end(), consent.key) != cited.end()) citing.push_back(request->key);
  }
  return citing;
}

// A withdrawn Consent: the recipients it was given to hear of it on their Tasks; nothing more is
// disclosed on its basis (the consent gate reads the Consent's current status every time).
void note_withdrawal(storage::WriteTransaction& transaction, const std::string& request_key) {
  for (const std::string& id : find_ids(transaction, "Task", "focus=" + request_key)) {
    auto source = load(transaction, "Task/" + id);
    if (!source || !is_source_task(source->root())) continue;
    for (const std::string& downstream_id : find_ids(transaction, "Task", "part-of=" + source->key)) {
      auto downstream = load(transaction, "Task/" + downstream_id);
      if (!downstream || is_terminal(downstream->root().string_at("status")) ||
          code_in(downstream->root().find("businessStatus"), business_status::kSystem) ==
              business_status::kConsentWithdrawn.code) {
        continue;
      }
      apply_task_change(transaction, *downstream,
                        TaskChange{.business_status = std::string(business_status::kConsentWithdrawn.code),
                                   .note = "本人が同意を撤回しました。これ以降の情報提供は行われません。"});
      push_task_update(transaction, *downstream);
    }
  }
}

void react_to_task(storage::WriteTransaction& transaction, const RoutingRules& rules, LoadedResource& task) {
  const Value& root = task.root();
  if (!is_referral_task(root)) return;
  const std::string_view status = root.string_at("status");
  if (is_source_task(root)) {
    if (status == "requested" && find_ids(transaction, "Task", "part-of=" + task.key, 1).empty()) {
      hold_referral(transaction, task, route_referral(transaction, rules, task, true));
    } else if (status == "cancelled" || status == "entered-in-error") {
      cancel_downstream(transaction, task);
    }
    return;
  }
  if (!source_task_of(root).empty()) mirror_downstream_change(transaction, rules, task);
}

}  // namespace

void Workflow::check_client_write(storage::WriteTransaction& transaction, const Actor& actor, std::string_view type,
                                  std::string_view id, const Value* next) const {
  if (type != "Task") return;
  const auto previous = load(transaction, "Task/" + std::string(id));
  const Value* before = previous ? &previous->root() : nullptr;
  const bool referral = (before != nullptr && is_referral_task(*before)) || (next != nullptr && is_referral_task(*next));
  if (!referral) return;
  if (next == nullptr) {
    throw rest::WriteRefused(rest::Status::conflict, fhir::IssueType::business_rule,
                             "a referral Task is not deleted: set its status to entered-in-error", "Task");
  }
  if (auto refusal = check_task_write(before, *next, party_of(actor, before, *next))) refuse(*refusal);
}

bool Workflow::take_recipient_update(storage::WriteTransaction& transaction, const std::string& task_key,
                                     const Value& remote) const {
  auto local = load(transaction, task_key);
  if (!local) return false;
  fhir::json::Document document;
  Value next = document.copy(local->root());
  bool changed = false;
  for (std::string_view element : {"status", "statusReason", "businessStatus", "output", "executionPeriod", "note"}) {
    const Value* theirs = remote.find(element);
    const Value* ours = next.find(element);
    const bool same = theirs == nullptr ? ours == nullptr
                                        : ours != nullptr && fhir::json::equal_ignoring_member_order(*theirs, *ours);
    if (same) continue;
    next = theirs == nullptr ? document.without_member(next, element)
                             : document.with_member(next, element, document.copy(*theirs));
    changed = true;
  }
  if (!changed) return false;
  if (auto refusal = check_task_write(&local->root(), next, TaskParty::owner)) refuse(*refusal);
  next = document.without_member(next, "meta");
  write_platform_resource(transaction, next, "Task", std::string_view(task_key).substr(task_key.find('/') + 1));
  auto written = load(transaction, task_key);
  if (written) mirror_downstream_change(transaction, rules_, *written);
  return true;
}

void Workflow::react(storage::WriteTransaction& transaction, const std::vector<WrittenResource>& written) const {
  for (const WrittenResource& resource : written) {
    if (resource.deleted) continue;
    const std::string key = resource.type + "/" + resource.id;
    if (resource.type == "Task") {
      if (auto task = load(transaction, key)) react_to_task(transaction, rules_, *task);
    } else if (resource.type == "ServiceRequest") {
      route_waiting_referrals(transaction, rules_, key);
    } else if (resource.type == "Consent") {
      auto consent = load(transaction, key);
      if (!consent) continue;
      const bool active = consent->root().string_at("status") == "active";
      for (const std::string& request : requests_citing(transaction, *consent)) {
        if (active) {
          route_waiting_referrals(transaction, rules_, request);
        } else {
          note_withdrawal(transaction, request);
        }
      }
    }
  }
}

}  // namespace socialrx::gateway::referral
