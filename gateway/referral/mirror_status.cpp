// The closed loop: what a recipient does with its Task reaches the source Task, and what the
// source does with its referral reaches every recipient.

#include "gateway/referral/business_status.hpp"
#include "gateway/referral/recipient_push.hpp"
#include "gateway/referral/referral_model.hpp"
#include "gateway/referral/resource_json.hpp"
#include "gateway/referral/task_transitions.hpp"
#include "gateway/referral/task_updates.hpp"
#include "gateway/referral/workflow_steps.hpp"

namespace socialrx::gateway::referral {
namespace {

using fhir::json::Value;

std::string owner_name(const Value& task) {
  const Value* owner = task.find("owner");
  if (owner == nullptr) return "紹介先";
  const std::string_view display = owner->string_at("display");
  return display.empty() ? reference_key(owner) : std::string(display);
}

// The recipient declined: the next candidate gets the referral; when there is
// none, a referral nobody accepted goes back to the source (rejected, with the recipient's
// reason), and one that was under way waits on hold.
void after_rejection(storage::WriteTransaction& transaction, const RoutingRules& rules, LoadedResource& source,
                     const Value& downstream) {
  const std::string who = owner_name(downstream);
  const std::string why = std::string(status_reason_text(downstream));
  RoutingResult result = route_referral(transaction, rules, source, false);
  if (result.outcome == RoutingResult::Outcome::routed) {
    apply_task_change(transaction, source,
                      TaskChange{.business_status = std::string(business_status::kRerouted.code),
                                 .note = who + " が辞退（" + why + "）。次の候補へ再紹介しました。"});
    return;
  }
  if (result.outcome == RoutingResult::Outcome::no_recipient && source.root().string_at("status") == "requested") {
    apply_task_change(transaction, source,
                      TaskChange{.status = "rejected",
                                 .reason = who + " が辞退し、ほかに条件に合う紹介先がありません（" + why + "）",
                                 .business_status = std::string(business_status::kNoRecipient.code),
                                 .note = result.explanation});
    return;
  }
  hold_referral(transaction, source, result);
}

}  // namespace

void mirror_downstream_change(storage::WriteTransaction& transaction, const RoutingRules& rules,
                              const LoadedResource& downstream_task) {
  const Value& downstream = downstream_task.root();
  auto source = load(transaction, source_task_of(downstream));
  if (!source || is_terminal(source->root().string_at("status"))) return;
  const std::string status(downstream.string_at("status"));
  const std::string source_status(source->root().string_at("status"));
  if (status == "rejected") {
    after_rejection(transaction, rules, *source, downstream);
    return;
  }
  TaskChange change;
  const std::string_view business = code_in(downstream.find("businessStatus"), business_status::kSystem);
  if (!business.empty()) change.business_status = std::string(business);
  if (status == "accepted") {
    // A referral that waited (on hold) and was routed again is already in progress.
    change.status = source_status == "requested" ? "accepted" : "in-progress";
  } else if (status == "in-progress" || status == "on-hold" || status == "failed" || status == "completed" ||
             status == "cancelled") {  // either side may cancel; a cancel ends the referral
    change.status = status;
  } else {
    return;  // requested, draft, entered-in-error: nothing for the source to learn
  }
  if (status == "on-hold" || status == "failed" || status == "cancelled") {
    const std::string why = std::string(status_reason_text(downstream));
    change.reason = owner_name(downstream) + ": " + (why.empty() ? status : why);
  }
  if (status == "completed") change.output = downstream.find("output");
  apply_task_change(transaction, *source, change);
}

void cancel_downstream(storage::WriteTransaction& transaction, const LoadedResource& source_task) {
  const std::string why = std::string(status_reason_text(source_task.root()));
  for (const std::string& id : find_ids(transaction, "Task", "part-of=" + source_task.key)) {
    auto task = load(transaction, "Task/" + id);
    if (!task || is_terminal(task->root().string_at("status"))) continue;
    apply_task_change(transaction, *task,
                      TaskChange{.status = "cancelled",
                                 .reason = "紹介元が取り消しました" + (why.empty() ? std::string() : "（" + why + "）")});
    // The recipient's ServiceRequest is withdrawn with it.
    if (auto request = load(transaction, reference_key(task->root().find("focus")))) {
      if (request->root().string_at("status") == "active" || request->root().string_at("status") == "on-hold") {
        fhir::json::Document document;
        JsonBuilder json(document);
        Value revoked = json.with(json.without(document.copy(request->root()), "meta"), "status", json.string("revoked"));
        const std::string& key = request->key;
        write_platform_resource(transaction, revoked, "ServiceRequest", std::string_view(key).substr(key.find('/') + 1));
      }
    }
    push_task_update(transaction, *task);
  }
}

}  // namespace socialrx::gateway::referral
