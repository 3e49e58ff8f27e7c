#pragma once
// The read gate: what a referral recipient's client may read of SDH information, now.
//
// The consent gate (consent_gate.hpp) decides whether SDH information may go to a recipient when
// a referral is routed; this gate keeps the recipient's API reads inside what was disclosed. A
// client bound to an organization that is a referral recipient in the directory (it provides a
// HealthcareService) reads a resource of a gated type — QuestionnaireResponse, Observation,
// Condition, and the Patient they are about — only when
//   - its organization wrote it (the type's author reference: QuestionnaireResponse.author,
//     Observation.performer, Condition.asserter, Patient.managingOrganization) or requested a
//     referral (ServiceRequest intent order, requester = it) that names it, or
//   - it was disclosed to the organization (a disclosure record, disclosure_record.hpp) and the
//     basis still holds now: the consent gate, asked again with the referral's current
//     ServiceRequest and Consents, still permits the disclosure (a withdrawn Consent, a removed
//     exception or a lapsed council membership closes it).
// Clients bound to no organization, and organizations that are no recipient (a clinic, the
// hub's own EHR), are not gated. Rules and the REST behaviour: gateway/referral/README.md.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "fhir/json.hpp"
#include "gateway/search/search_request.hpp"
#include "gateway/storage/database.hpp"

namespace socialrx::gateway::referral {

// QuestionnaireResponse, Observation, Condition, Patient.
bool is_gated_type(std::string_view type);

// Why a disclosed resource may be read now.
struct DisclosedAccess {
  std::string record;  // "AuditEvent/<id>": the disclosure record
  std::string basis;   // the basis that holds now: "Consent/<id>" or a disclosure-basis code
};

class RecipientView {
 public:
  enum class Access { hidden, own, disclosed };

  explicit RecipientView(std::string organization) : organization_(std::move(organization)) {}

  const std::string& organization() const { return organization_; }

  // How the organization may see type/id. `body`: the resource (the version being returned);
  // nullptr for a deleted or unknown one (then only a disclosure makes it visible). Types that
  // are not gated are always `own`.
  Access access(std::string_view type, std::string_view id, const fhir::json::Value* body) const;
  // The disclosure that makes "Type/id" visible, or nullptr.
  const DisclosedAccess* disclosed(std::string_view key) const;

  // For a search of a gated `type`: only the disclosed or requested ids, or the organization's own.
  search::VisibleOnly visible_only(std::string_view type) const;

  // Filled by recipient_view().
  void add_disclosed(const std::string& key, DisclosedAccess access) { disclosed_.emplace(key, std::move(access)); }
  void add_requested(const std::string& key) { requested_.insert(key); }

 private:
  std::string organization_;  // "Organization/<id>"
  std::map<std::string, DisclosedAccess, std::less<>> disclosed_;
  std::set<std::string, std::less<>> requested_;
};

// nullopt: the client is not gated (`configured` is empty, or names an organization that is no
// referral recipient). `configured`: Principal::organization ("Organization/<id>" or
// "system|value"); one that does not resolve is gated with nothing disclosed (fail closed: a
// mistyped binding must not give a recipient everything). Reads on `connection` only.
std::optional<RecipientView> recipient_view(storage::Connection& connection, std::string_view configured,
                                            std::int64_t now_ms);

}  // namespace socialrx::gateway::referral
