#pragma once
// The record of each disclosure (APPI: provider and recipient keep records of each provision;
// DOMAIN.md §8): an AuditEvent naming what went to whom, on which basis — the Consent or the
// statutory exception — written in the same transaction as the downstream referral.

#include "gateway/referral/consent_gate.hpp"
#include "gateway/referral/directory_candidates.hpp"
#include "gateway/referral/downstream_referral.hpp"
#include "gateway/referral/store_access.hpp"

namespace socialrx::gateway::referral {

// AuditEvent.type of a disclosure record: DICOM 110106 "Export" (search: AuditEvent?type=…).
inline constexpr std::string_view kDicomSystem = "http://dicom.nema.org/resources/ontology/DCM";
inline constexpr std::string_view kExportCode = "110106";

// The AuditEvent's identifiers: type DICOM 110106 "Export", with the recipient as the
// destination agent and each disclosed resource as an entity. Machine-readable entity.detail:
// the basis entity has "disclosure-basis" ("Consent/<id>" or the exception code) and
// "recipient-kind"; the two ServiceRequest entities have "referral-role" = "source-request" or
// "recipient-request". The read gate (read_gate.hpp) reads them back with read_disclosure_record.
void record_disclosure(storage::WriteTransaction& transaction, const LoadedResource& source_request,
                       const DownstreamReferral& downstream, const ServiceCandidate& recipient,
                       const ConsentVerdict& verdict);

// A disclosure record as written above.
struct DisclosureRecord {
  std::string recipient;                // the destination agent: "Organization/<id>"
  std::string recipient_kind;           // as routed (empty in records written before it was kept)
  std::string source_request;           // the referral source's ServiceRequest
  std::string basis;                    // as recorded: "Consent/<id>" or a disclosure-basis code
  std::vector<std::string> disclosed;   // "Patient/…", "QuestionnaireResponse/…", …
};
// nullopt when `event` is not a disclosure record (another AuditEvent, or one without a
// destination or a source request).
std::optional<DisclosureRecord> read_disclosure_record(const fhir::json::Value& event);

}  // namespace socialrx::gateway::referral
