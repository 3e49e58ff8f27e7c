#include "gateway/referral/consent_gate.hpp"

#include <algorithm>
#include <array>
#include <optional>

#include "fhir/date_time.hpp"
#include "fhir/reference.hpp"
#include "gateway/directory/code_tables.hpp"
#include "gateway/referral/resource_json.hpp"

namespace socialrx::gateway::referral {
namespace {

using fhir::json::Value;
using Outcome = ConsentVerdict::Outcome;

constexpr std::string_view kConsentScopeSystem = "http://terminology.hl7.org/CodeSystem/consentscope";
constexpr std::string_view kActCodeSystem = "http://terminology.hl7.org/CodeSystem/v3-ActCode";

// ---- The statutory bases (conf/questionnaires/codesystem-disclosure-basis.json) ---------------
constexpr std::array<std::string_view, 5> kSupportBodiesAndMunicipality{
    "chiiki-houkatsu", "kodomo-katei", "seikatsu-konkyu", "shakyo", "kaigo-nintei"};
constexpr std::array<std::string_view, 4> kSupportBodies{"chiiki-houkatsu", "kodomo-katei", "seikatsu-konkyu",
                                                         "shakyo"};
constexpr std::array<std::string_view, 1> kChildWelfare{"kodomo-katei"};
constexpr std::array<std::string_view, 4> kPublicBodies{"chiiki-houkatsu", "kodomo-katei", "seikatsu-konkyu",
                                                        "kaigo-nintei"};
constexpr std::array<std::string_view, 1> kCareMeetingHost{"chiiki-houkatsu"};

const std::array kBases{
    DisclosureBasis{"required-by-law", "法令に基づく場合", kSupportBodiesAndMunicipality, false},
    DisclosureBasis{"life-body-property", "人の生命・身体・財産の保護", kSupportBodies, false},
    DisclosureBasis{"public-health-child-welfare", "公衆衛生の向上・児童の健全な育成", kChildWelfare, false},
    DisclosureBasis{"public-body-cooperation", "国の機関等への協力", kPublicBodies, false},
    DisclosureBasis{"child-welfare-council", "要保護児童対策地域協議会", kChildWelfare, true},
    DisclosureBasis{"isolation-council", "孤独・孤立対策地域協議会", {}, true},
    DisclosureBasis{"community-care-meeting", "地域ケア会議", kCareMeetingHost, true},
};

const DisclosureBasis* find_basis(std::string_view code) {
  for (const DisclosureBasis& basis : kBases) {
    if (basis.code == code) return &basis;
  }
  return nullptr;
}

bool basis_covers(const DisclosureBasis& basis, const DisclosureRecipient& recipient) {
  if (std::find(basis.recipient_kinds.begin(), basis.recipient_kinds.end(), recipient.recipient_kind) !=
      basis.recipient_kinds.end()) {
    return true;
  }
  return basis.council && std::find(recipient.council_memberships.begin(), recipient.council_memberships.end(),
                                    basis.code) != recipient.council_memberships.end();
}

// "子ども家庭センター(Organization/o1)"
std::string recipient_words(const DisclosureRecipient& recipient) {
  std::string_view kind = directory::display_of(directory::recipient_kinds(), recipient.recipient_kind);
  if (kind.empty()) kind = recipient.recipient_kind;
  std::string words(kind.empty() ? "提供先" : kind);
  if (!recipient.organization.empty()) words += "(" + recipient.organization + ")";
  return words;
}

// ---- Small readers ---------------------------------------------------------------------------
// Type and id of a literal reference ("Organization/1", "https://x/fhir/Organization/1[/_history/2]").
std::optional<std::pair<std::string_view, std::string_view>> target_of(std::string_view reference) {
  const fhir::ReferenceParts parts = fhir::parse_reference(reference);
  if (parts.form != fhir::ReferenceForm::relative && parts.form != fhir::ReferenceForm::absolute) {
    return std::nullopt;
  }
  return std::make_pair(parts.resource_type, parts.id);
}

bool same_target(std::string_view a, std::string_view b) {
  const auto left = target_of(a);
  const auto right = target_of(b);
  return left && right && *left == *right;
}

// ---- One rule (Consent.provision or a nested provision) --------------------------------------
// A rule applies to this disclosure when now is inside its period, its actors include the
// recipient (no actor: every recipient) and its purposes include a care-coordination purpose (no
// purpose: every purpose). Why it does not apply goes to `why`.
bool period_holds(const Value* period, std::int64_t now_ms) {
  if (period == nullptr) return true;
  if (const Value* start = period->find("start"); start != nullptr) {
    const auto range = fhir::time_range(start->text());
    if (!range || now_ms < range->low_ms) return false;
  }
  if (const Value* end = period->find("end"); end != nullptr) {
    const auto range = fhir::time_range(end->text());
    if (!range || now_ms > range->high_ms) return false;
  }
  return true;
}

bool actor_is(const Value& actor, const DisclosureRecipient& recipient) {
  const Value* reference = actor.find("reference");
  if (reference == nullptr) return false;
  const std::string_view literal = reference->string_at("reference");
  if (!literal.empty() && !recipient.organization.empty() && same_target(literal, recipient.organization)) {
    return true;
  }
  const Value* identifier = reference->find("identifier");
  return identifier != nullptr && identifier->string_at("system") == kRecipientKindIdentifierSystem &&
         !recipient.recipient_kind.empty() && identifier->string_at("value") == recipient.recipient_kind;
}

bool actors_include(const Value& rule, const DisclosureRecipient& recipient) {
  const Value* actors = rule.find("actor");
  if (actors == nullptr || actors->size() == 0) return true;
  const auto items = actors->items();
  return std::any_of(items.begin(), items.end(), [&](const Value& actor) { return actor_is(actor, recipient); });
}

bool purpose_covers_referral(const Value& rule) {
  const Value* purposes = rule.find("purpose");
  if (purposes == nullptr || purposes->size() == 0) return true;
  for (const Value& purpose : purposes->items()) {
    if (purpose.string_at("system") != kPurposeSystem) continue;
    const std::string_view code = purpose.string_at("code");
    if (code == "COC" || code == "TREAT") return true;
  }
  return false;
}

bool rule_applies(const Value& rule, const DisclosureRecipient& recipient, std::int64_t now_ms, std::string& why) {
  if (!period_holds(rule.find("period"), now_ms)) {
    const Value* period = rule.find("period");
    why = "期間(" + std::string(period->string_at("start")) + "〜" + std::string(period->string_at("end")) +
          ")の外";
    return false;
  }
  if (!actors_include(rule, recipient)) {
    why = "提供先に" + recipient_words(recipient) + "を含まない";
    return false;
  }
  if (!purpose_covers_referral(rule)) {
    why = "目的に支援機関との連携(v3-ActReason COC または TREAT)を含まない";
    return false;
  }
  return true;
}

enum class Decision { none, permit, deny };

// Nested rules only count when their parent applies; among them a deny wins over a permit.
void scan_nested(const Value& rule, const DisclosureRecipient& recipient, std::int64_t now_ms, bool& permit,
                 bool& deny) {
  const Value* nested = rule.find("provision");
  if (nested == nullptr) return;
  for (const Value& child : nested->items()) {
    std::string ignored;
    if (!rule_applies(child, recipient, now_ms, ignored)) continue;
    const std::string_view type = child.string_at("type");
    if (type == "deny") deny = true;
    if (type == "permit") permit = true;
    scan_nested(child, recipient, now_ms, permit, deny);
  }
}

// The decision of a whole Consent's provision tree for this disclosure. The root rule decides by
// its type, or when it has none (R4: "not permitted in root rule") by Consent.policyRule: OPTIN
// permits, OPTOUT denies.
Decision decide(const Value& consent, const DisclosureRecipient& recipient, std::int64_t now_ms, std::string& why) {
  const Value* root = consent.find("provision");
  if (root == nullptr) {
    why = " provision(何を誰に認めるか)がない";
    return Decision::none;
  }
  if (!rule_applies(*root, recipient, now_ms, why)) return Decision::none;
  Decision decision = Decision::none;
  const std::string_view type = root->string_at("type");
  if (type == "permit" || (type.empty() && has_coding(consent.find("policyRule"), kActCodeSystem, "OPTIN"))) {
    decision = Decision::permit;
  } else if (type == "deny" || (type.empty() && has_coding(consent.find("policyRule"), kActCodeSystem, "OPTOUT"))) {
    decision = Decision::deny;
  }
  bool permit = false;
  bool deny = false;
  scan_nested(*root, recipient, now_ms, permit, deny);
  if (decision == Decision::deny || deny) {
    why = "提供を認めない(deny)";
    return Decision::deny;
  }
  if (decision == Decision::permit || permit) return Decision::permit;
  why = "permit の provision がない";
  return Decision::none;
}

// ---- One Consent ---------------------------------------------------------------------------
enum class Standing { ignored, permits, denies, withdrawn_permit };

struct ConsentFinding {
  Standing standing = Standing::ignored;
  std::string reference;  // "Consent/<id>"
  std::string_view date;  // Consent.dateTime
  std::string why;        // Japanese, when it does not permit
};

ConsentFinding assess(const ConsentInput& ref, const Value* service_request, const DisclosureRecipient& recipient,
                      std::int64_t now_ms) {
  ConsentFinding finding;
  if (ref.consent == nullptr) return finding;
  const Value& consent = *ref.consent;
  if (ref.reference.empty()) {
    finding.reference = "Consent/" + std::string(consent.string_at("id"));
  } else {
    finding.reference = ref.reference.starts_with("Consent/") ? ref.reference : "Consent/" + ref.reference;
  }
  finding.date = consent.string_at("dateTime");
  auto ignore = [&](std::string why) {
    finding.why = finding.reference + " は" + std::move(why);
    return finding;
  };
  if (consent.string_at("resourceType") != "Consent") return ignore("Consent ではない");
  // The Consent must be the referred person's.
  const Value* patient = consent.find("patient");
  const std::string_view patient_ref = patient == nullptr ? std::string_view() : patient->string_at("reference");
  if (patient_ref.empty()) return ignore("patient(本人)がない");
  if (service_request != nullptr) {
    const Value* subject = service_request->find("subject");
    const std::string_view subject_ref = subject == nullptr ? std::string_view() : subject->string_at("reference");
    if (!subject_ref.empty() && !same_target(subject_ref, patient_ref) && subject_ref != patient_ref) {
      return ignore("別の人(" + std::string(patient_ref) + ")の同意");
    }
  }
  // Gravity SDOHCC-Consent: a privacy consent to disclose information.
  if (!has_coding(consent.find("scope"), kConsentScopeSystem, "patient-privacy")) {
    return ignore("プライバシーの同意(scope patient-privacy)ではない");
  }
  if (!has_coding(consent.find("category"), kActCodeSystem, "IDSCL")) {
    return ignore("情報提供の同意(category IDSCL)ではない");
  }
  const auto dated = fhir::time_range(finding.date);
  if (!dated) return ignore("日付(dateTime)がない");
  if (dated->low_ms > now_ms) return ignore("日付(" + std::string(finding.date) + ")が未来");

  std::string why;
  const Decision decision = decide(consent, recipient, now_ms, why);
  const std::string_view status = consent.string_at("status");
  if (status == "active") {
    if (decision == Decision::permit) finding.standing = Standing::permits;
    if (decision == Decision::deny) finding.standing = Standing::denies;
    if (decision != Decision::permit) finding.why = finding.reference + " は" + why;
    return finding;
  }
  // Only a Consent that once was in force can have been withdrawn; rejected, entered-in-error,
  // draft and proposed ones never permitted anything.
  if (status == "inactive" && decision == Decision::permit) {
    finding.standing = Standing::withdrawn_permit;
    finding.why = finding.reference + " は撤回されている(status inactive)";
    return finding;
  }
  return ignore("有効ではない(status " + std::string(status) + ")");
}

// Later Consents first: the basis named is the most recent one that permits.
bool later(const ConsentFinding& a, const ConsentFinding& b) {
  const auto left = fhir::time_range(a.date);
  const auto right = fhir::time_range(b.date);
  return left && right && left->low_ms > right->low_ms;
}

// ---- Statutory exceptions --------------------------------------------------------------------
const Value* sub_extension(const Value& extension, std::string_view url) {
  const Value* children = extension.find("extension");
  if (children == nullptr) return nullptr;
  for (const Value& child : children->items()) {
    if (child.string_at("url") == url) return &child;
  }
  return nullptr;
}

struct ExceptionFinding {
  bool claimed = false;
  bool applies = false;
  std::string basis;
  std::string explanation;
};

ExceptionFinding assess_exceptions(const Value* service_request, const DisclosureRecipient& recipient) {
  ExceptionFinding result;
  if (service_request == nullptr) return result;
  const Value* extensions = service_request->find("extension");
  if (extensions == nullptr) return result;
  std::vector<std::string> reasons;
  for (const Value& extension : extensions->items()) {
    if (extension.string_at("url") != kDisclosureExceptionUrl) continue;
    result.claimed = true;
    const Value* basis_ext = sub_extension(extension, "basis");
    const Value* coding = basis_ext == nullptr ? nullptr : basis_ext->find("valueCoding");
    const Value* statute_ext = sub_extension(extension, "statute");
    const std::string_view statute = statute_ext == nullptr ? std::string_view() : statute_ext->string_at("valueString");
    if (coding == nullptr || coding->string_at("system") != kDisclosureBasisSystem) {
      reasons.push_back("例外の根拠(basis)が disclosure-basis のコードで書かれていない");
      continue;
    }
    const DisclosureBasis* basis = find_basis(coding->string_at("code"));
    if (basis == nullptr) {
      reasons.push_back("例外の根拠「" + std::string(coding->string_at("code")) + "」は disclosure-basis にない");
      continue;
    }
    if (statute.find_first_not_of(" \t\r\n") == std::string_view::npos) {
      reasons.push_back("例外「" + std::string(basis->display) + "」の根拠法令(statute)が書かれていない");
      continue;
    }
    if (!basis_covers(*basis, recipient)) {
      reasons.push_back("例外「" + std::string(basis->display) + "」は" + recipient_words(recipient) +
                        "への提供には使えない" +
                        (basis->council ? "(協議会・会議の構成員として記録されていない)" : ""));
      continue;
    }
    result.applies = true;
    result.basis = std::string(basis->code);
    result.explanation = "本人の同意によらず、法令上の例外「" + std::string(basis->display) + "」(" +
                         std::string(statute) + ")により" + recipient_words(recipient) + "に提供する。";
    return result;
  }
  for (const std::string& reason : reasons) result.explanation += reason + "。";
  return result;
}

std::string joined(const std::vector<ConsentFinding>& findings) {
  std::string text;
  for (const ConsentFinding& finding : findings) {
    if (!finding.why.empty()) text += finding.why + "。";
  }
  return text;
}

}  // namespace

std::span<const DisclosureBasis> disclosure_bases() { return kBases; }

ConsentVerdict evaluate_disclosure(std::span<const ConsentInput> consents, const fhir::json::Value* service_request,
                                   const DisclosureRecipient& recipient, std::int64_t now_ms) {
  std::vector<ConsentFinding> findings;
  findings.reserve(consents.size());
  for (const ConsentInput& ref : consents) findings.push_back(assess(ref, service_request, recipient, now_ms));

  const ConsentFinding* permit = nullptr;
  const ConsentFinding* deny = nullptr;
  const ConsentFinding* withdrawn = nullptr;
  for (const ConsentFinding& finding : findings) {
    if (finding.standing == Standing::permits && (permit == nullptr || later(finding, *permit))) permit = &finding;
    if (finding.standing == Standing::denies && deny == nullptr) deny = &finding;
    if (finding.standing == Standing::withdrawn_permit && (withdrawn == nullptr || later(finding, *withdrawn))) {
      withdrawn = &finding;
    }
  }

  ConsentVerdict verdict;
  // 1. Consent first: the person's own choice is the basis whenever there is one. A deny anywhere
  //    is the person's word too, and wins over a permit.
  if (permit != nullptr && deny == nullptr) {
    verdict.outcome = Outcome::permitted_by_consent;
    verdict.basis = permit->reference;
    verdict.explanation = "本人の同意(" + permit->reference + "、" + std::string(permit->date) + ")により" +
                          recipient_words(recipient) + "に提供する。";
    return verdict;
  }
  const std::string consent_words =
      findings.empty() ? std::string("紹介に同意(Consent)が添えられていない。") : joined(findings);
  // 2. A statutory exception the requester recorded.
  const ExceptionFinding exception = assess_exceptions(service_request, recipient);
  if (exception.applies) {
    verdict.outcome = Outcome::permitted_by_exception;
    verdict.basis = exception.basis;
    verdict.explanation = exception.explanation;
    return verdict;
  }
  if (exception.claimed) {
    verdict.outcome = Outcome::exception_not_applicable;
    verdict.explanation = exception.explanation + consent_words + "提供しない。";
    return verdict;
  }
  // 3. No basis: a withdrawn consent is said as such, so the requester knows not to just ask again.
  if (withdrawn != nullptr && deny == nullptr) {
    verdict.outcome = Outcome::consent_withdrawn;
    verdict.basis = withdrawn->reference;
    verdict.explanation = "本人が同意(" + withdrawn->reference + ")を撤回したため、" + recipient_words(recipient) +
                          "に提供しない。";
    return verdict;
  }
  verdict.outcome = Outcome::consent_required;
  verdict.explanation = consent_words + recipient_words(recipient) +
                        "に提供するには、本人の同意を得て Consent を登録するか、法令上の例外を記録する。";
  return verdict;
}

}  // namespace socialrx::gateway::referral
