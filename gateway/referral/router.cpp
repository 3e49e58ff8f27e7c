#include "gateway/referral/router.hpp"

#include <algorithm>
#include <set>
#include <tuple>

#include "gateway/referral/coverage_match.hpp"

namespace socialrx::gateway::referral {
namespace {

bool rule_fits(const RoutingRule& rule, const RoutingInput& input, const PatientAddress& address) {
  if (!rule.matches_need(input.need_domain)) return false;
  if (rule.age.bounded() && (!input.age_years || !rule.age.contains(*input.age_years))) return false;
  if (!rule.municipalities.empty()) {
    const bool listed = std::any_of(rule.municipalities.begin(), rule.municipalities.end(), [&](const std::string& code) {
      return !address.municipality_key.empty() && municipality_key(code) == address.municipality_key;
    });
    if (!listed) return false;
  }
  return true;
}

std::string capacity_text(std::string_view capacity) {
  if (capacity.empty()) return "受入状況不明";
  if (capacity == "capacity") return "受入可";
  if (capacity == "no-capacity") return "受入不可 (no-capacity)";
  if (capacity == "waitlist") return "待機あり (waitlist)";
  if (capacity == "additional-assessment-required") return "要追加評価 (additional-assessment-required)";
  return "受入状況 " + std::string(capacity);
}

std::string service_age_text(const ServiceCandidate& candidate) {
  return AgeBounds{candidate.age_min, candidate.age_max}.describe();
}

// One candidate under one rule: either eligible (with its sort key) or skipped with a reason.
struct Evaluation {
  Verdict verdict = Verdict::alternative;
  std::string detail;
  int specificity = 0;
  std::size_t capacity_rank = 0;
};

Evaluation evaluate(const RoutingRules& rules, const RoutingRule& rule, const RoutingInput& input,
                    const PatientAddress& address, const ServiceCandidate& candidate) {
  if (!candidate.problem.empty()) return {Verdict::unusable_data, "データ不備: " + candidate.problem};
  if (!candidate.active) return {Verdict::inactive, "休止中 (active=false)"};
  if (std::find(candidate.need_domains.begin(), candidate.need_domains.end(), input.need_domain) ==
      candidate.need_domains.end()) {
    return {Verdict::need_not_served, "ニーズ " + input.need_domain + " を扱わない"};
  }
  const Coverage coverage = best_coverage(candidate, address);
  if (coverage.kind == CoverageKind::none) return {Verdict::outside_area, "区域外"};
  if (!rule.ignore_service_age && (candidate.age_min || candidate.age_max)) {
    if (!input.age_years) {
      return {Verdict::age_not_eligible, "年齢不明（対象 " + service_age_text(candidate) + "）"};
    }
    const AgeBounds bounds{candidate.age_min, candidate.age_max};
    if (!bounds.contains(*input.age_years)) {
      return {Verdict::age_not_eligible, "年齢対象外（対象 " + service_age_text(candidate) + "）"};
    }
  }
  if (std::find(input.excluded_organizations.begin(), input.excluded_organizations.end(), candidate.organization) !=
      input.excluded_organizations.end()) {
    return {Verdict::excluded, "辞退済み・試行済みの組織"};
  }
  const auto rank = rules.capacity_rank(candidate.capacity);
  if (!rank) return {Verdict::capacity_not_accepted, capacity_text(candidate.capacity)};
  return {Verdict::alternative, coverage.describe() + "・" + capacity_text(candidate.capacity), coverage.specificity(),
          *rank};
}

}  // namespace

std::string_view verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::chosen: return "選択";
    case Verdict::alternative: return "次点";
    case Verdict::unusable_data: return "データ不備";
    case Verdict::inactive: return "休止中";
    case Verdict::need_not_served: return "ニーズ対象外";
    case Verdict::outside_area: return "区域外";
    case Verdict::age_not_eligible: return "年齢対象外";
    case Verdict::excluded: return "辞退済み";
    case Verdict::capacity_not_accepted: return "受入不可";
  }
  return "";
}

std::vector<RankedCandidate> RoutingDecision::alternatives() const {
  if (ranked.size() <= 1) return {};
  return std::vector<RankedCandidate>(ranked.begin() + 1, ranked.end());
}

RoutingDecision route(const RoutingRules& rules, const RoutingInput& input,
                      const std::vector<ServiceCandidate>& candidates) {
  RoutingDecision decision;
  decision.need_domain = input.need_domain;
  decision.municipality_code = input.municipality_code;
  const PatientAddress address =
      make_patient_address(input.municipality_code, input.postal_code, input.address_line);
  std::set<std::string, std::less<>> ranked_services;

  for (const RoutingRule& rule : rules.rules) {
    if (!rule_fits(rule, input, address)) continue;
    decision.matched_rules.push_back({rule.id, rule.description});
    for (const std::string& kind : rule.recipients) {
      struct Eligible {
        const ServiceCandidate* candidate;
        Evaluation evaluation;
      };
      std::vector<Eligible> eligible;
      for (const ServiceCandidate& candidate : candidates) {
        if (candidate.recipient_kind != kind) continue;
        Evaluation evaluation = evaluate(rules, rule, input, address, candidate);
        if (evaluation.verdict == Verdict::alternative) {
          eligible.push_back({&candidate, std::move(evaluation)});
        } else {
          decision.considered.push_back(
              {rule.id, candidate.service, candidate.label(), kind, evaluation.verdict, std::move(evaluation.detail)});
        }
      }
      // 圏域 before whole municipality, then capacity preference, then a stable key.
      std::stable_sort(eligible.begin(), eligible.end(), [](const Eligible& a, const Eligible& b) {
        return std::make_tuple(-a.evaluation.specificity, a.evaluation.capacity_rank,
                               std::string_view(a.candidate->service_identifier), std::string_view(a.candidate->service)) <
               std::make_tuple(-b.evaluation.specificity, b.evaluation.capacity_rank,
                               std::string_view(b.candidate->service_identifier), std::string_view(b.candidate->service));
      });
      for (Eligible& entry : eligible) {
        const bool first = decision.ranked.empty();
        const bool again = !ranked_services.insert(entry.candidate->service).second;
        decision.considered.push_back({rule.id, entry.candidate->service, entry.candidate->label(), kind,
                                       first ? Verdict::chosen : Verdict::alternative,
                                       again ? entry.evaluation.detail + "（前のルールで順位づけ済み）"
                                             : entry.evaluation.detail});
        if (!again) decision.ranked.push_back({*entry.candidate, rule.id, entry.evaluation.detail});
      }
    }
  }
  if (!decision.ranked.empty()) {
    decision.chosen = decision.ranked.front().candidate;
    decision.rule_id = decision.ranked.front().rule_id;
  }
  return decision;
}

}  // namespace socialrx::gateway::referral
