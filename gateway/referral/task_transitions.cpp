#include "gateway/referral/task_transitions.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "fhir/reference.hpp"
#include "gateway/referral/business_status.hpp"
#include "gateway/referral/resource_json.hpp"

namespace socialrx::gateway::referral {
namespace {

using fhir::IssueType;
using fhir::json::Value;

constexpr std::string_view kTaskCodeSystem = "http://hl7.org/fhir/CodeSystem/task-code";

constexpr std::array<std::string_view, 10> kStatuses{
    "draft",   "requested", "accepted", "rejected", "cancelled",
    "in-progress", "on-hold", "completed", "failed", "entered-in-error"};

struct Transition {
  std::string_view from;
  std::string_view to;
};

// DOMAIN.md §1, row by row; "any → entered-in-error" is handled in is_allowed_transition.
constexpr std::array kTable{
    Transition{"draft", "requested"},
    Transition{"requested", "accepted"},     Transition{"requested", "rejected"},
    Transition{"requested", "cancelled"},
    Transition{"accepted", "in-progress"},   Transition{"accepted", "on-hold"},
    Transition{"accepted", "cancelled"},     Transition{"accepted", "completed"},
    Transition{"accepted", "failed"},
    Transition{"in-progress", "on-hold"},    Transition{"in-progress", "cancelled"},
    Transition{"in-progress", "completed"},  Transition{"in-progress", "failed"},
    Transition{"on-hold", "in-progress"},    Transition{"on-hold", "cancelled"},
    Transition{"on-hold", "completed"},      Transition{"on-hold", "failed"},
};

// A new referral Task is either prepared (draft) or sent at once (requested).
bool is_initial(std::string_view status) { return status == "draft" || status == "requested"; }

// Gravity: "If the Task.status is rejected, cancelled, on-hold, or failed, then
// Task.statusReason.text should be included" — we require it (the clinic must learn why).
bool needs_reason(std::string_view status) {
  return status == "rejected" || status == "cancelled" || status == "on-hold" || status == "failed";
}

bool is_referral_status(std::string_view status) {
  return std::find(kStatuses.begin(), kStatuses.end(), status) != kStatuses.end();
}

std::string_view party_name(TaskParty party) {
  switch (party) {
    case TaskParty::requester: return "the requester";
    case TaskParty::owner: return "the owner (the recipient)";
    case TaskParty::platform: return "socialrx";
  }
  return "";
}

// Who sets a status, for the refusal message.
std::string_view setter_of(std::string_view status) {
  if (status == "cancelled") return "the requester or the owner";
  if (status == "draft" || status == "requested" || status == "entered-in-error") return "the requester";
  return "the owner (the recipient)";
}

// ---- Which party may change which element of a sent referral -------------------------------
// Anything not listed is fixed once the Task has left draft: only socialrx changes it (e.g.
// Task.owner when it routes, basedOn/partOf when it mirrors). Primitive extensions ("_status")
// follow their element.
enum Right : std::uint8_t { kNobody = 0, kRequester = 1, kOwner = 2, kEither = 3, kAnyone = 4 };

struct ElementRule {
  std::string_view element;
  std::uint8_t who;
  std::string_view why;  // the reason a party that may not change it is given
};

constexpr std::array kElementRules{
    // Stamped by the server or pure narrative.
    ElementRule{"id", kAnyone, ""},
    ElementRule{"meta", kAnyone, ""},
    ElementRule{"text", kAnyone, ""},
    ElementRule{"language", kAnyone, ""},
    ElementRule{"lastModified", kAnyone, ""},
    // Both sides write these.
    ElementRule{"status", kEither, ""},
    ElementRule{"statusReason", kEither, ""},
    ElementRule{"note", kEither, ""},
    ElementRule{"extension", kEither, ""},
    // The request is the requester's.
    ElementRule{"priority", kRequester, "the priority of a referral is the requester's"},
    ElementRule{"description", kRequester, "the description of a referral is the requester's"},
    ElementRule{"input", kRequester, "Task.input carries what the requester sends"},
    ElementRule{"restriction", kRequester, "the restriction of a referral is the requester's"},
    ElementRule{"reasonCode", kRequester, "the reason for a referral is the requester's"},
    ElementRule{"reasonReference", kRequester, "the reason for a referral is the requester's"},
    ElementRule{"insurance", kRequester, "Task.insurance is the requester's"},
    // The fulfilment is the owner's.
    ElementRule{"businessStatus", kOwner,
                "Task.businessStatus is set by the recipient and socialrx, not by the requester"},
    ElementRule{"output", kOwner, "only the recipient (Task.owner) reports results in Task.output"},
    ElementRule{"executionPeriod", kOwner, "Task.executionPeriod records when the recipient worked on it"},
    // Fixed once sent: named here for clearer messages.
    ElementRule{"owner", kNobody,
                "socialrx routes referrals: the recipient of a sent referral does not change (cancel or "
                "reject it with a reason, and socialrx refers again)"},
    ElementRule{"focus", kNobody, "Task.focus names the ServiceRequest being fulfilled and is fixed"},
    ElementRule{"for", kNobody, "Task.for names the person referred and is fixed"},
    ElementRule{"requester", kNobody, "Task.requester names the referral source and is fixed"},
    ElementRule{"code", kNobody, "a referral Task stays task-code#fulfill"},
    ElementRule{"intent", kNobody, "a referral Task stays intent order"},
    ElementRule{"authoredOn", kNobody, "Task.authoredOn is when the referral was made and is fixed"},
};

const ElementRule* rule_for(std::string_view element) {
  for (const ElementRule& rule : kElementRules) {
    if (rule.element == element) return &rule;
  }
  return nullptr;
}

bool may_change(const ElementRule* rule, TaskParty party) {
  if (party == TaskParty::platform) return true;
  if (rule == nullptr) return false;
  if (rule->who == kAnyone) return true;
  const std::uint8_t bit = party == TaskParty::requester ? kRequester : kOwner;
  return (rule->who & bit) != 0;
}

bool same(const Value* a, const Value* b) {
  if (a == nullptr || b == nullptr) return a == b;
  return fhir::json::equal_ignoring_member_order(*a, *b);
}

// Top-level elements (primitive extensions folded into their element) that differ.
std::vector<std::string_view> changed_elements(const Value& previous, const Value& next) {
  std::vector<std::string_view> changed;
  auto consider = [&](std::string_view key) {
    if (key == "resourceType") return;
    if (same(previous.find(key), next.find(key))) return;
    const std::string_view element = key.starts_with('_') ? key.substr(1) : key;
    if (std::find(changed.begin(), changed.end(), element) == changed.end()) changed.push_back(element);
  };
  for (const auto& member : previous.members()) consider(member.key);
  for (const auto& member : next.members()) consider(member.key);
  return changed;
}

bool has_reference(const Value& task, std::string_view element) {
  const Value* reference = task.find(element);
  return reference != nullptr && reference->is_object() &&
         (!reference->string_at("reference").empty() || reference->find("identifier") != nullptr);
}

// ---- 422: what every referral Task must be, whatever was stored ------------------------------
void check_content(const Value& next, fhir::Issues& issues) {
  if (next.string_at("resourceType") != "Task") {
    issues.error(IssueType::structure, "", "a referral Task write must carry a Task");
    return;
  }
  const std::string_view status = next.string_at("status");
  if (status == "ready" || status == "received") {
    issues.error(IssueType::value, "Task.status",
                 "status " + std::string(status) +
                     " is not used for referral Tasks; the recipient acknowledges receipt with "
                     "businessStatus received-by-recipient and then accepts or rejects");
  } else if (!is_referral_status(status)) {
    issues.error(IssueType::value, "Task.status",
                 "a referral Task needs a status of the referral state machine, not '" + std::string(status) + "'");
  }
  if (next.string_at("intent") != "order") {
    issues.error(IssueType::value, "Task.intent", "a referral Task has intent order (SDOHCC-TaskForReferralManagement)");
  }
  if (!has_coding(next.find("code"), kTaskCodeSystem, "fulfill")) {
    issues.error(IssueType::value, "Task.code",
                 "a referral Task has code http://hl7.org/fhir/CodeSystem/task-code#fulfill");
  }
  if (!has_reference(next, "focus")) {
    issues.error(IssueType::required, "Task.focus", "a referral Task names the ServiceRequest it fulfils in focus");
  } else {
    const fhir::ReferenceParts parts = fhir::parse_reference(next.find("focus")->string_at("reference"));
    const bool typed = parts.form == fhir::ReferenceForm::relative || parts.form == fhir::ReferenceForm::absolute;
    if (typed && parts.resource_type != "ServiceRequest") {
      issues.error(IssueType::value, "Task.focus", "the focus of a referral Task is a ServiceRequest");
    }
  }
  if (!has_reference(next, "for")) {
    issues.error(IssueType::required, "Task.for", "a referral Task names the person referred in for");
  }
  if (!has_reference(next, "requester")) {
    issues.error(IssueType::required, "Task.requester", "a referral Task names its requester");
  }
  if (next.find("authoredOn") == nullptr) {
    issues.error(IssueType::required, "Task.authoredOn", "a referral Task says when it was made in authoredOn");
  }
  if (next.find("statusReason") != nullptr && status_reason_text(next).empty()) {
    issues.error(IssueType::required, "Task.statusReason.text",
                 "a statusReason needs its text (SDOHCC-TaskForReferralManagement)");
  } else if (needs_reason(status) && status_reason_text(next).empty()) {
    issues.error(IssueType::required, "Task.statusReason.text",
                 "a referral Task that is " + std::string(status) + " says why in statusReason.text");
  }
  if (const Value* business = next.find("businessStatus"); business != nullptr) {
    if (const Value* codings = business->find("coding"); codings != nullptr) {
      for (const Value& coding : codings->items()) {
        if (coding.string_at("system") == business_status::kSystem &&
            business_status::find(coding.string_at("code")) == nullptr) {
          issues.error(IssueType::code_invalid, "Task.businessStatus",
                       "'" + std::string(coding.string_at("code")) + "' is not a code of " +
                           std::string(business_status::kSystem));
        }
      }
    }
  }
}

// ---- 409: the status change and who makes it -------------------------------------------------
void check_status_change(std::string_view from, std::string_view to, TaskParty party, fhir::Issues& issues) {
  if (!is_allowed_transition(from, to)) {
    std::string why = "a referral Task cannot go from " + std::string(from) + " to " + std::string(to);
    if (is_terminal(from)) why += " (" + std::string(from) + " is final; refer again with a new Task)";
    issues.error(IssueType::business_rule, "Task.status", std::move(why));
  } else if (!may_set_status(party, to)) {
    issues.error(IssueType::business_rule, "Task.status",
                 std::string(to) + " is set by " + std::string(setter_of(to)) + ", not by " +
                     std::string(party_name(party)));
  }
}

void check_create(const Value& next, TaskParty party, fhir::Issues& issues) {
  const std::string_view status = next.string_at("status");
  if (party == TaskParty::owner) {
    issues.error(IssueType::business_rule, "Task", "the recipient does not create referral Tasks; the requester does");
  } else if (!is_initial(status)) {
    issues.error(IssueType::business_rule, "Task.status",
                 "a referral Task starts as draft or requested, not " + std::string(status));
  }
}

// Which elements the party changed that are not its to change.
void check_elements(const Value& previous, const Value& next, TaskParty party, fhir::Issues& issues) {
  if (party == TaskParty::platform) return;
  const std::string_view from = previous.string_at("status");
  const std::string_view to = next.string_at("status");
  // A draft is the requester's alone until it is requested.
  if (from == "draft") {
    if (party == TaskParty::owner) {
      issues.error(IssueType::business_rule, "Task", "a draft referral is the requester's until it is requested");
    }
    return;
  }
  const bool finished = is_terminal(from) && from == to;
  for (const std::string_view element : changed_elements(previous, next)) {
    const ElementRule* rule = rule_for(element);
    if (finished) {
      if (element == "note" || (rule != nullptr && rule->who == kAnyone)) continue;
      issues.error(IssueType::business_rule, "Task." + std::string(element),
                   "the referral is " + std::string(from) + "; only notes may be added to it");
      continue;
    }
    if (may_change(rule, party)) continue;
    std::string why = rule != nullptr && !rule->why.empty()
                          ? std::string(rule->why)
                          : "Task." + std::string(element) + " is fixed once the referral is sent";
    issues.error(IssueType::business_rule, "Task." + std::string(element),
                 std::string(party_name(party)) + " may not change Task." + std::string(element) + ": " + why);
  }
}

// The owner sets only the recipient's businessStatus codes; the routing ones are socialrx's.
void check_business_status(const Value* previous, const Value& next, TaskParty party, fhir::Issues& issues) {
  if (party != TaskParty::owner) return;
  const Value* business = next.find("businessStatus");
  if (business == nullptr || (previous != nullptr && same(previous->find("businessStatus"), business))) return;
  const Value* codings = business->find("coding");
  if (codings == nullptr) return;
  for (const Value& coding : codings->items()) {
    if (coding.string_at("system") != business_status::kSystem) continue;
    const business_status::Code* code = business_status::find(coding.string_at("code"));
    if (code != nullptr && code->set_by == business_status::SetBy::platform) {
      issues.error(IssueType::business_rule, "Task.businessStatus",
                   std::string(code->code) + " (" + std::string(code->display) +
                       ") is set by socialrx while it routes and delivers, not by the recipient");
    }
  }
}

}  // namespace

std::span<const std::string_view> referral_task_statuses() { return kStatuses; }

bool is_allowed_transition(std::string_view from, std::string_view to) {
  if (!is_referral_status(from) || !is_referral_status(to) || from == to) return false;
  if (to == "entered-in-error") return true;
  return std::any_of(kTable.begin(), kTable.end(),
                     [&](const Transition& t) { return t.from == from && t.to == to; });
}

bool may_set_status(TaskParty party, std::string_view to) {
  if (!is_referral_status(to)) return false;
  switch (party) {
    case TaskParty::platform:
      return true;
    case TaskParty::requester:
      return to == "draft" || to == "requested" || to == "entered-in-error" || to == "cancelled";
    case TaskParty::owner:
      return to == "accepted" || to == "rejected" || to == "in-progress" || to == "on-hold" || to == "failed" ||
             to == "completed" || to == "cancelled";
  }
  return false;
}

bool is_terminal(std::string_view status) {
  return status == "rejected" || status == "cancelled" || status == "completed" || status == "failed" ||
         status == "entered-in-error";
}

bool is_referral_task(const fhir::json::Value& task) {
  return task.string_at("resourceType") == "Task" && has_coding(task.find("code"), kTaskCodeSystem, "fulfill");
}

std::optional<TransitionRefusal> check_task_write(const fhir::json::Value* previous,
                                                  const fhir::json::Value& next, TaskParty party) {
  TransitionRefusal refusal;
  // What is wrong with the Task whatever was stored comes first: fixing it never depends on state.
  check_content(next, refusal.issues);
  if (refusal.issues.has_errors()) {
    refusal.http_status = 422;
    return refusal;
  }
  refusal.http_status = 409;
  if (previous == nullptr) {
    check_create(next, party, refusal.issues);
  } else {
    const std::string_view from = previous->string_at("status");
    const std::string_view to = next.string_at("status");
    if (from != to) check_status_change(from, to, party, refusal.issues);
    check_elements(*previous, next, party, refusal.issues);
  }
  check_business_status(previous, next, party, refusal.issues);
  if (!refusal.issues.has_errors()) return std::nullopt;
  return refusal;
}

}  // namespace socialrx::gateway::referral
