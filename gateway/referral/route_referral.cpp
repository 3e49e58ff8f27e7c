// Routing a referral: the consent gate × the router over the directory, inside the write job.
// A referral goes to the best-ranked candidate whose disclosure the gate permits; when the
// router finds candidates but the gate permits none, the referral waits for consent; when the
// router finds none, it waits for a recipient. Either way the source Task says why.

#include "gateway/directory/directory_model.hpp"
#include "gateway/referral/business_status.hpp"
#include "gateway/referral/consent_gate.hpp"
#include "gateway/referral/disclosure_record.hpp"
#include "gateway/referral/downstream_referral.hpp"
#include "gateway/referral/patient_profile.hpp"
#include "gateway/referral/referral_model.hpp"
#include "gateway/referral/resource_json.hpp"
#include "gateway/referral/router.hpp"
#include "gateway/referral/task_updates.hpp"
#include "gateway/referral/workflow_steps.hpp"
#include "gateway/rest/write_errors.hpp"

namespace socialrx::gateway::referral {
namespace {

using fhir::json::Value;

[[noreturn]] void refuse(std::string path, const std::string& message) {
  throw rest::WriteRefused(rest::Status::unprocessable_entity, fhir::IssueType::business_rule, message,
                           std::move(path));
}

// The owners of every downstream Task this referral had: each was tried once.
std::vector<std::string> tried_organizations(storage::WriteTransaction& transaction, std::string_view source_key) {
  std::vector<std::string> owners;
  for (const std::string& id : find_ids(transaction, "Task", "part-of=" + std::string(source_key))) {
    if (auto task = load(transaction, "Task/" + id)) {
      if (std::string owner = reference_key(task->root().find("owner")); !owner.empty()) owners.push_back(owner);
    }
  }
  return owners;
}

std::vector<LoadedResource> load_consents(storage::WriteTransaction& transaction, const Value& service_request) {
  std::vector<LoadedResource> consents;
  for (const std::string& key : reference_keys(service_request, "supportingInfo")) {
    if (!key.starts_with("Consent/")) continue;
    if (auto consent = load(transaction, key)) consents.push_back(std::move(*consent));
  }
  return consents;
}

// Fills in the municipality when the Patient's address carries no 地方公共団体コード: the
// coverage area listing its postal code, else the whole-municipality area named like its city.
void complete_municipality(RoutingInput& input, const PatientProfile& patient,
                           const std::vector<ServiceCandidate>& candidates) {
  if (!input.municipality_code.empty()) return;
  for (const ServiceCandidate& candidate : candidates) {
    for (const CoverageArea& area : candidate.areas) {
      const bool by_postal_code = !patient.postal_code.empty() &&
                                  std::find(area.postal_codes.begin(), area.postal_codes.end(),
                                            patient.postal_code) != area.postal_codes.end();
      const bool by_city = area.whole_municipality && !patient.city.empty() && area.name == patient.city;
      if (by_postal_code || by_city) {
        input.municipality_code = area.municipality_code;
        return;
      }
    }
  }
}

}  // namespace

void hold_referral(storage::WriteTransaction& transaction, LoadedResource& source_task, const RoutingResult& result) {
  if (result.outcome != RoutingResult::Outcome::no_recipient &&
      result.outcome != RoutingResult::Outcome::consent_required) {
    return;
  }
  const business_status::Code& why = result.outcome == RoutingResult::Outcome::no_recipient
                                         ? business_status::kNoRecipient
                                         : business_status::kConsentRequired;
  apply_task_change(transaction, source_task,
                    TaskChange{.status = "on-hold",
                               .reason = result.reason,
                               .business_status = std::string(why.code),
                               .note = result.explanation});
}

RoutingResult route_referral(storage::WriteTransaction& transaction, const RoutingRules& rules,
                             LoadedResource& source_task, bool client_initiated) {
  using Outcome = RoutingResult::Outcome;
  const Value& task = source_task.root();
  const std::string request_key = reference_key(task.find("focus"));
  auto service_request = load(transaction, request_key);
  if (!service_request) {
    if (client_initiated) refuse("Task.focus", "the referral's ServiceRequest " + request_key + " does not exist");
    return {};
  }
  const Value& request = service_request->root();
  const std::string need = need_domain_of(request);
  const std::string patient_key = reference_key(request.find("subject"));
  std::optional<LoadedResource> patient;
  if (patient_key.starts_with("Patient/")) patient = load(transaction, patient_key);
  if (client_initiated) {
    if (request.string_at("intent") != "order" || request.string_at("status") != "active") {
      refuse("ServiceRequest", "a referral's ServiceRequest must be status active, intent order");
    }
    if (need.empty()) {
      refuse("ServiceRequest.category", "a referral's ServiceRequest needs a need-domain coding (" +
                                            std::string(directory::model::kSdhDomainSystem) + ")");
    }
    if (!patient) refuse("ServiceRequest.subject", "a referral's ServiceRequest must name an existing Patient");
    if (reference_key(task.find("for")) != patient_key) {
      refuse("Task.for", "the Task must be for the patient of its ServiceRequest (" + patient_key + ")");
    }
  }
  if (need.empty() || !patient) return {};

  const std::int64_t now = now_ms();
  const PatientProfile profile = read_patient_profile(patient->root(), now);
  const std::vector<ServiceCandidate> candidates = load_candidates(transaction, need);
  RoutingInput input{need, profile.age_years, profile.municipality_code, profile.postal_code,
                     profile.address_line, tried_organizations(transaction, source_task.key)};
  complete_municipality(input, profile, candidates);
  const RoutingDecision decision = route(rules, input, candidates);
  if (decision.ranked.empty()) {
    return {Outcome::no_recipient, "条件に合う紹介先がありません（対象外・圏域外・受入不可）", decision.explanation()};
  }

  const std::vector<LoadedResource> consents = load_consents(transaction, request);
  std::vector<ConsentInput> consent_inputs;
  for (const LoadedResource& consent : consents) consent_inputs.push_back({consent.key, &consent.root()});
  std::string refused;
  for (const RankedCandidate& ranked : decision.ranked) {
    const ConsentVerdict verdict =
        evaluate_disclosure(consent_inputs, &request, ranked.candidate.disclosure_recipient(), now);
    if (!verdict.permitted()) {
      if (refused.empty()) refused = ranked.candidate.label() + ": " + verdict.explanation;
      continue;
    }
    std::string explanation = decision.explanation();
    if (&ranked != &decision.ranked.front()) {
      explanation += "\n同意の範囲により " + ranked.candidate.label() + " を選択（" + refused + "）";
    }
    const DownstreamReferral downstream =
        create_downstream_referral(transaction, source_task, *service_request, ranked.candidate, explanation);
    record_disclosure(transaction, *service_request, downstream, ranked.candidate, verdict);
    // A referral that waited goes on: the platform is working on it again.
    const std::string status(task.string_at("status"));
    apply_task_change(transaction, source_task,
                      TaskChange{.status = status == "on-hold" ? std::optional<std::string>("in-progress")
                                                               : std::nullopt,
                                 .reason = std::nullopt,
                                 .business_status = std::string(business_status::kRouted.code),
                                 .note = explanation});
    return {Outcome::routed, {}, explanation};
  }
  return {Outcome::consent_required, "紹介先への情報提供に本人の同意が必要です",
          decision.explanation() + "\n" + refused};
}

void route_waiting_referrals(storage::WriteTransaction& transaction, const RoutingRules& rules,
                             std::string_view service_request_key) {
  for (const std::string& id :
       find_ids(transaction, "Task", "focus=" + std::string(service_request_key) + "&status=on-hold")) {
    auto task = load(transaction, "Task/" + id);
    if (!task || !is_source_task(task->root())) continue;
    const std::string_view waiting_for = code_in(task->root().find("businessStatus"), business_status::kSystem);
    if (waiting_for == business_status::kConsentRequired.code || waiting_for == business_status::kNoRecipient.code) {
      hold_referral(transaction, *task, route_referral(transaction, rules, *task, false));
    }
  }
}

}  // namespace socialrx::gateway::referral
