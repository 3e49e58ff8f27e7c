#pragma once
// The record of each disclosure (APPI: provider and recipient keep records of each provision;
// DOMAIN.md §8): an AuditEvent naming what went to whom, on which basis — the Consent or the
// statutory exception — written in the same transaction as the downstream referral.

#include "gateway/referral/consent_gate.hpp"
#include "gateway/referral/directory_candidates.hpp"
#include "gateway/referral/downstream_referral.hpp"
#include "gateway/referral/store_access.hpp"

namespace socialrx::gateway::referral {

// The AuditEvent's identifiers: type DICOM 110106 "Export", with the recipient as the
// destination agent and each disclosed resource as an entity.
void record_disclosure(storage::WriteTransaction& transaction, const LoadedResource& source_request,
                       const DownstreamReferral& downstream, const ServiceCandidate& recipient,
                       const ConsentVerdict& verdict);

}  // namespace socialrx::gateway::referral
