#pragma once
// The community resource directory (conf/directory/README.md, directory_model.hpp) as plain
// structs for routing: one ServiceCandidate per HealthcareService, with its coverage areas,
// age eligibility, capacity and endpoint resolved.
//
// Odd directory data never throws: a service that cannot be read fully is still returned, with
// `problem` saying what is wrong, so that the router can skip it and say why.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fhir/json.hpp"
#include "gateway/referral/consent_gate.hpp"
#include "gateway/storage/resource_store.hpp"

namespace socialrx::gateway::referral {

// One HealthcareService.coverageArea: a whole municipality (Location.physicalType jdn) or one
// 日常生活圏域 (physicalType area) with its postal codes and 町字.
struct CoverageArea {
  std::string reference;          // "Location/<id>"
  std::string municipality_code;  // local-government-code, 6 digits
  bool whole_municipality = false;
  std::vector<std::string> postal_codes;  // area-postal-code, as stored ("NNN-NNNN")
  std::vector<std::string> towns;         // area-town (町字)
  std::string name;
};

struct ServiceCandidate {
  std::string service;            // "HealthcareService/<id>"
  std::string organization;       // providedBy: "Organization/<id>"
  std::string organization_name;  // providedBy.display (may be empty)
  std::string name;               // HealthcareService.name
  std::string recipient_kind;     // category, recipient-kind code
  // The statutory councils the providing Organization is a recorded member of (its
  // council-membership extensions: disclosure-basis council codes), for the consent gate.
  std::vector<std::string> council_memberships;
  std::vector<std::string> need_domains;  // type, sdh-domain codes
  std::optional<int> age_min;     // eligibility-age-range, inclusive
  std::optional<int> age_max;
  std::vector<CoverageArea> areas;
  // capacity | no-capacity | waitlist | additional-assessment-required; "" = unknown (not
  // published). STU 3.1's no-capacity-has-waitlist is read as waitlist.
  std::string capacity;
  std::string capacity_notes;
  bool full_recipient = false;    // recipient-mode "full": socialrx pushes Tasks to endpoint_address
  std::string endpoint_address;   // the Endpoint's address (full recipients)
  bool active = false;
  std::string service_identifier; // the directory-service identifier value (stable order)
  // Why this service cannot be routed to (unreadable age range, coverage area missing, full
  // recipient without an endpoint…); empty when it is usable.
  std::string problem;

  // "みどり市北部地域包括支援センター「総合相談(北部圏域)」" for explanations.
  std::string label() const;
  // Who the consent gate is asked about.
  DisclosureRecipient disclosure_recipient() const {
    return DisclosureRecipient{organization, recipient_kind, council_memberships};
  }
};

// The council-membership codes of an Organization (directory_model.hpp kCouncilMembershipUrl).
std::vector<std::string> council_memberships_of(const fhir::json::Value& organization);

// Resolves a relative reference ("Location/abc", "Endpoint/def", "Organization/ghi") to the current resource, or
// nullptr when it does not exist. The Value must stay valid until read_candidate returns.
using ResourceLookup = std::function<const fhir::json::Value*(std::string_view reference)>;

// Reads one HealthcareService. nullopt when `service` is not a HealthcareService with an id;
// otherwise a candidate, with `problem` set when its data is unusable for routing.
std::optional<ServiceCandidate> read_candidate(const fhir::json::Value& service, const ResourceLookup& lookup);

// At most this many services are read per routing (a region's directory is far smaller).
inline constexpr std::size_t kMaxDirectoryServices = 10'000;

// The active HealthcareServices serving `need_domain` (every active one when it is empty), read
// inside a write job: the workflow routes in the same transaction that stores the Task, so it
// sees the directory exactly as of that transaction. Throws only what storage throws.
std::vector<ServiceCandidate> load_candidates(storage::WriteTransaction& transaction, std::string_view need_domain);

}  // namespace socialrx::gateway::referral
