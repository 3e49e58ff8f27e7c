#include "gateway/referral/read_gate.hpp"

#include <array>
#include <vector>

#include "gateway/directory/directory_model.hpp"
#include "gateway/referral/consent_gate.hpp"
#include "gateway/referral/directory_candidates.hpp"
#include "gateway/referral/disclosure_record.hpp"
#include "gateway/referral/resource_json.hpp"
#include "gateway/referral/store_access.hpp"
#include "gateway/search/index_extractor.hpp"

namespace socialrx::gateway::referral {
namespace {

using fhir::json::Value;

// Each gated type with the reference search parameter that names who wrote it (indexed, so a
// search can select the organization's own in SQL).
struct GatedType {
  std::string_view type;
  std::string_view author_parameter;
};
constexpr std::array kGatedTypes{
    GatedType{"QuestionnaireResponse", "author"},
    GatedType{"Observation", "performer"},
    GatedType{"Condition", "asserter"},
    GatedType{"Patient", "organization"},
};

const GatedType* gated(std::string_view type) {
  for (const GatedType& entry : kGatedTypes) {
    if (entry.type == type) return &entry;
  }
  return nullptr;
}

// At most this many disclosure records and own referrals are read per request; a recipient's
// referrals over years are far fewer in one region.
constexpr std::size_t kMaxRecords = 10'000;

bool authored_by(const GatedType& gated_type, const Value& body, std::string_view organization) {
  for (const storage::IndexRow& row : search::extract_index_rows(gated_type.type, body)) {
    if (row.param == gated_type.author_parameter && row.value == organization) return true;
  }
  return false;
}

// The consent gate, asked again now about one referral source request and this recipient.
class BasisCheck {
 public:
  BasisCheck(storage::Connection& connection, const std::string& organization, std::int64_t now_ms)
      : connection_(connection), organization_(organization), now_ms_(now_ms) {
    if (auto stored = load(connection, organization)) memberships_ = council_memberships_of(stored->root());
  }

  ConsentVerdict verdict(const std::string& source_request, const std::string& recorded_kind) {
    const std::string kind = recorded_kind.empty() ? directory_kind() : recorded_kind;
    const std::string memo_key = source_request + "|" + kind;
    if (auto known = verdicts_.find(memo_key); known != verdicts_.end()) return known->second;
    ConsentVerdict verdict;
    if (auto request = load(connection_, source_request)) {
      std::vector<LoadedResource> consents;
      for (const std::string& key : reference_keys(request->root(), "supportingInfo")) {
        if (!key.starts_with("Consent/")) continue;
        if (auto consent = load(connection_, key)) consents.push_back(std::move(*consent));
      }
      std::vector<ConsentInput> inputs;
      for (const LoadedResource& consent : consents) inputs.push_back({consent.key, &consent.root()});
      verdict = evaluate_disclosure(inputs, &request->root(), DisclosureRecipient{organization_, kind, memberships_},
                                    now_ms_);
    }
    return verdicts_.emplace(memo_key, std::move(verdict)).first->second;
  }

 private:
  // Records written before the kind was kept in them: the kind of the organization's first
  // HealthcareService.
  std::string directory_kind() {
    if (!kind_read_) {
      kind_read_ = true;
      for (const std::string& id : find_ids(connection_, "HealthcareService", "organization=" + organization_, 1)) {
        if (auto service = load(connection_, "HealthcareService/" + id)) {
          const Value* categories = service->root().find("category");
          kind_ = std::string(code_in(categories, directory::model::kRecipientKindSystem));
        }
      }
    }
    return kind_;
  }

  storage::Connection& connection_;
  const std::string& organization_;
  std::int64_t now_ms_;
  std::vector<std::string> memberships_;
  std::map<std::string, ConsentVerdict> verdicts_;
  bool kind_read_ = false;
  std::string kind_;
};

}  // namespace

bool is_gated_type(std::string_view type) { return gated(type) != nullptr; }

RecipientView::Access RecipientView::access(std::string_view type, std::string_view id, const Value* body) const {
  const GatedType* gated_type = gated(type);
  if (gated_type == nullptr) return Access::own;
  const std::string key = std::string(type) + "/" + std::string(id);
  if (requested_.contains(key)) return Access::own;
  if (body != nullptr && authored_by(*gated_type, *body, organization_)) return Access::own;
  return disclosed_.contains(key) ? Access::disclosed : Access::hidden;
}

const DisclosedAccess* RecipientView::disclosed(std::string_view key) const {
  const auto found = disclosed_.find(key);
  return found == disclosed_.end() ? nullptr : &found->second;
}

search::VisibleOnly RecipientView::visible_only(std::string_view type) const {
  search::VisibleOnly visible;
  const std::string prefix = std::string(type) + "/";
  const auto add = [&](const std::string& key) {
    if (key.starts_with(prefix)) visible.ids.push_back(key.substr(prefix.size()));
  };
  for (const auto& [key, access] : disclosed_) add(key);
  for (const std::string& key : requested_) {
    if (!disclosed_.contains(key)) add(key);
  }
  if (const GatedType* gated_type = gated(type)) {
    visible.param = std::string(gated_type->author_parameter);
    visible.value = organization_;
  }
  return visible;
}

std::optional<RecipientView> recipient_view(storage::Connection& connection, std::string_view configured,
                                            std::int64_t now_ms) {
  if (configured.empty()) return std::nullopt;
  std::string organization = resolve_organization(connection, configured);
  if (organization.empty() || !load(connection, organization)) {
    return RecipientView("Organization/unresolved");  // matches no author reference, no disclosure
  }
  // A referral recipient provides a service in the directory; a clinic does not.
  if (find_ids(connection, "HealthcareService", "organization=" + organization, 1).empty()) return std::nullopt;

  RecipientView view(organization);
  BasisCheck basis(connection, organization, now_ms);
  const std::string records_query = "agent=" + organization + "&type=" + std::string(kDicomSystem) + "|" +
                                    std::string(kExportCode);
  for (const std::string& id : find_ids(connection, "AuditEvent", records_query, kMaxRecords)) {
    const std::string record_key = "AuditEvent/" + id;
    const auto event = load(connection, record_key);
    const auto record = event ? read_disclosure_record(event->root()) : std::nullopt;
    if (!record || record->recipient != organization) continue;
    const ConsentVerdict verdict = basis.verdict(record->source_request, record->recipient_kind);
    if (!verdict.permitted()) continue;
    for (const std::string& key : record->disclosed) view.add_disclosed(key, DisclosedAccess{record_key, verdict.basis});
  }
  // What its own referrals name is its own (a recipient may also refer people onwards).
  for (const std::string& id : find_ids(connection, "ServiceRequest", "requester=" + organization + "&intent=order",
                                        kMaxRecords)) {
    const auto request = load(connection, "ServiceRequest/" + id);
    if (!request) continue;
    view.add_requested(reference_key(request->root().find("subject")));
    for (const char* element : {"supportingInfo", "reasonReference"}) {
      for (const std::string& key : reference_keys(request->root(), element)) view.add_requested(key);
    }
  }
  return view;
}

}  // namespace socialrx::gateway::referral
