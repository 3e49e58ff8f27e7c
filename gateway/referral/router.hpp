#pragma once
// Routing: which HealthcareService a referral goes to. A pure function of the rules
// (routing_rules.hpp), the patient's need, age and address, and the directory
// (directory_candidates.hpp); conf/routing/README.md states the semantics.
//
// Every decision can explain itself (which rule, which candidates, why each was skipped or
// chosen) in bounded Japanese text for a Task.note or Provenance. Odd directory data never
// throws: such a service is skipped with the reason.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "gateway/referral/directory_candidates.hpp"
#include "gateway/referral/routing_rules.hpp"

namespace socialrx::gateway::referral {

struct RoutingInput {
  std::string need_domain;            // sdh-domain code of the referral
  std::optional<int> age_years;       // completed years; nullopt = unknown
  std::string municipality_code;      // the patient's 地方公共団体コード (6 digits, or the 5 without check digit)
  std::string postal_code;            // "NNN-NNNN" / "NNNNNNN", full-width digits and hyphens accepted
  std::string address_line;           // the address after 市区町村 (JP Core Address.line), e.g. "北山1-2-3"
  // "Organization/<id>" that already rejected this referral or were tried: none of their
  // services is chosen again.
  std::vector<std::string> excluded_organizations;
};

// What the router concluded about one candidate under one rule.
enum class Verdict {
  chosen,               // the one routed to
  alternative,          // eligible, ranked after the chosen one
  unusable_data,        // ServiceCandidate::problem
  inactive,
  need_not_served,      // its types do not include the need domain
  outside_area,         // no coverage area covers the patient
  age_not_eligible,     // its age eligibility excludes the patient (or the age is unknown)
  excluded,             // its organization is in excluded_organizations
  capacity_not_accepted // its capacity state is not in capacity_preference
};

struct CandidateVerdict {
  std::string rule_id;
  std::string service;         // "HealthcareService/<id>"
  std::string label;           // ServiceCandidate::label()
  std::string recipient_kind;
  Verdict verdict = Verdict::outside_area;
  std::string detail;          // Japanese, e.g. "北部圏域（郵便番号一致）・受入可" or "受入不可 (no-capacity)"
};

// An eligible candidate in the order the router prefers them.
struct RankedCandidate {
  ServiceCandidate candidate;
  std::string rule_id;  // the rule that made it eligible
  std::string detail;   // where it matched and its capacity, as in CandidateVerdict::detail
};

// A rule whose conditions fit the patient (need, age, municipality).
struct MatchedRule {
  std::string id;
  std::string description;
};

struct RoutingDecision {
  std::optional<ServiceCandidate> chosen;  // nullopt: no match (the Task waits on-hold)
  std::string rule_id;                     // the rule that chose it; empty without a choice
  std::vector<MatchedRule> matched_rules;  // every rule whose conditions fit the patient, in file order
  // Every eligible candidate, best first (ranked.front() is `chosen`), across all matched rules,
  // each service once. After a rejection the workflow routes again with the rejecting
  // organization excluded, which yields the next of these of another organization.
  std::vector<RankedCandidate> ranked;
  std::vector<CandidateVerdict> considered;  // every candidate looked at, per rule, with its verdict
  std::string need_domain;
  std::string municipality_code;

  // The eligible candidates after the chosen one.
  std::vector<RankedCandidate> alternatives() const;
  // Japanese text for a Task.note: the rule, the counts, the choice and why, and what was
  // skipped and why. At most kMaxExplanationBytes; it names no personal data of the patient
  // other than the need domain and the municipality code.
  std::string explanation() const;
};

inline constexpr std::size_t kMaxExplanationBytes = 2000;

// Rules are tried in file order. A rule fits when it lists the need (or "*"), the patient's age
// is within its bounds (an unknown age fits only rules without bounds) and its municipality list,
// if any, holds the patient's. Its recipient kinds are tried in order; for each, the candidates
// of that kind that are usable, active, serve the need, cover the patient's address, admit the
// patient's age (unless the rule ignores service ages), are not excluded and have a capacity
// state in capacity_preference, ordered by coverage (圏域 before whole municipality), then
// capacity preference, then service identifier. The first eligible candidate is chosen.
RoutingDecision route(const RoutingRules& rules, const RoutingInput& input,
                      const std::vector<ServiceCandidate>& candidates);

// "区域外", "受入不可" …: a short Japanese name of a verdict.
std::string_view verdict_name(Verdict verdict);

}  // namespace socialrx::gateway::referral
