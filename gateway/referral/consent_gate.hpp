#pragma once
// May SDH information about a patient go to a given (non-medical) recipient now?
//
// Health and social-life information is 要配慮個人情報 under APPI: giving it to a third party
// needs the person's prior consent (opt-out is not allowed), except on a statutory basis
// (DOMAIN.md §8). The gate reads the Consents the referral points to (ServiceRequest.supportingInfo,
// Gravity SDOHCC-Consent) and the ServiceRequest's disclosure-exception extension, and says whether
// the disclosure is permitted and on what basis, in words fit for a Task note and the audit trail.
// Pure: no I/O, no clock (the caller passes now), never throws. The rules are written out in
// gateway/referral/README.md.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fhir/json.hpp"

namespace socialrx::gateway::referral {

// The ServiceRequest extension that records a statutory exception (complex: basis, statute).
inline constexpr std::string_view kDisclosureExceptionUrl =
    "https://socialrx.jp/fhir/StructureDefinition/disclosure-exception";
// conf/questionnaires/codesystem-disclosure-basis.json
inline constexpr std::string_view kDisclosureBasisSystem = "https://socialrx.jp/fhir/CodeSystem/disclosure-basis";
// A Consent.provision.actor.reference.identifier with this system names a kind of recipient (the
// value is a recipient-kind code) instead of one organization.
inline constexpr std::string_view kRecipientKindIdentifierSystem = "https://socialrx.jp/fhir/sid/recipient-kind";
// provision.purpose codes that cover a referral to social services: COC (coordination of care) and
// its parent TREAT (treatment), from v3-ActReason (the v3-PurposeOfUse value set).
inline constexpr std::string_view kPurposeSystem = "http://terminology.hl7.org/CodeSystem/v3-ActReason";

struct DisclosureRecipient {
  std::string organization;    // "Organization/<id>"
  std::string recipient_kind;  // a recipient-kind code, e.g. "kodomo-katei"
  // disclosure-basis council codes (child-welfare-council, isolation-council,
  // community-care-meeting) of the councils this organization is a recorded member of; empty when
  // the directory does not say.
  std::vector<std::string> council_memberships = {};
};

struct ConsentInput {
  std::string reference;                       // "Consent/<id>" (a bare id is accepted); empty: from its "id"
  const fhir::json::Value* consent = nullptr;  // the Consent resource
};
using ConsentRef = ConsentInput;

struct ConsentVerdict {
  enum class Outcome {
    permitted_by_consent,      // an active Consent permits this disclosure (basis "Consent/<id>")
    permitted_by_exception,    // a statutory exception applies (basis: the disclosure-basis code)
    consent_required,          // no Consent permits it (none, expired, other purpose, denied…)
    consent_withdrawn,         // the Consent that permitted it is no longer active (basis "Consent/<id>")
    exception_not_applicable,  // an exception was claimed but does not cover this recipient
  };
  Outcome outcome = Outcome::consent_required;
  std::string basis;        // "Consent/<id>", a disclosure-basis code, or empty
  std::string explanation;  // Japanese, for a Task note and the audit record

  bool permitted() const {
    return outcome == Outcome::permitted_by_consent || outcome == Outcome::permitted_by_exception;
  }
};

// `consents`: the Consents referenced by ServiceRequest.supportingInfo; `service_request`: the
// referral (its subject must be the Consent's patient; its extensions may claim an exception), or
// nullptr; `now_ms`: Unix epoch milliseconds.
ConsentVerdict evaluate_disclosure(std::span<const ConsentInput> consents, const fhir::json::Value* service_request,
                                   const DisclosureRecipient& recipient, std::int64_t now_ms);

// The statutory bases and the recipient kinds each applies to (mirrors the published CodeSystem;
// tests/gateway/referral checks that the two agree).
struct DisclosureBasis {
  std::string_view code;
  std::string_view display;
  std::span<const std::string_view> recipient_kinds;  // kinds it applies to without membership
  bool council;  // also applies to recorded members of the council (DisclosureRecipient above)
};
std::span<const DisclosureBasis> disclosure_bases();

}  // namespace socialrx::gateway::referral
