#include "gateway/referral/directory_candidates.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <tuple>

#include "gateway/directory/directory_model.hpp"
#include "gateway/search/search_executor.hpp"
#include "gateway/search/search_request.hpp"

namespace socialrx::gateway::referral {
namespace {

namespace model = directory::model;
using fhir::json::Value;

const Value* extension_with_url(const Value& element, std::string_view url) {
  if (const Value* extensions = element.find("extension")) {
    for (const Value& extension : extensions->items()) {
      if (extension.string_at("url") == url) return &extension;
    }
  }
  return nullptr;
}

std::vector<std::string> extension_strings(const Value& element, std::string_view url, std::string_view value_key) {
  std::vector<std::string> out;
  if (const Value* extensions = element.find("extension")) {
    for (const Value& extension : extensions->items()) {
      if (extension.string_at("url") == url && !extension.string_at(value_key).empty()) {
        out.emplace_back(extension.string_at(value_key));
      }
    }
  }
  return out;
}

// Codes of `system` in a CodeableConcept.
std::vector<std::string> codes_of(const Value& codeable, std::string_view system) {
  std::vector<std::string> out;
  if (const Value* codings = codeable.find("coding")) {
    for (const Value& coding : codings->items()) {
      if (coding.string_at("system") == system && !coding.string_at("code").empty()) {
        out.emplace_back(coding.string_at("code"));
      }
    }
  }
  return out;
}

// A Quantity's value as whole years; nullopt when absent; `bad` when present but not a whole
// number from 0 to 150 ("65" and "65.0" are read, "64.5" is not).
std::optional<int> whole_years(const Value* quantity, bool& bad) {
  if (quantity == nullptr) return std::nullopt;
  const Value* value = quantity->find("value");
  if (value == nullptr || !value->is_number()) {
    bad = true;
    return std::nullopt;
  }
  std::string_view text = value->text();
  if (const auto dot = text.find('.'); dot != std::string_view::npos) {
    if (text.find_first_not_of('0', dot + 1) != std::string_view::npos) {
      bad = true;
      return std::nullopt;
    }
    text = text.substr(0, dot);
  }
  int years = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), years);
  if (error != std::errc() || end != text.data() + text.size() || years < 0 || years > 150) {
    bad = true;
    return std::nullopt;
  }
  return years;
}

void read_age_range(const Value& service, ServiceCandidate& candidate) {
  const Value* eligibilities = service.find("eligibility");
  if (eligibilities == nullptr) return;
  for (const Value& eligibility : eligibilities->items()) {
    const Value* range_extension = extension_with_url(eligibility, model::kAgeRangeUrl);
    if (range_extension == nullptr) continue;
    const Value* range = range_extension->find("valueRange");
    bool bad = range == nullptr;
    if (range != nullptr) {
      candidate.age_min = whole_years(range->find("low"), bad);
      candidate.age_max = whole_years(range->find("high"), bad);
    }
    if (bad) {
      candidate.problem = "年齢条件を読めない (eligibility-age-range)";
    } else if (candidate.age_min && candidate.age_max && *candidate.age_min > *candidate.age_max) {
      candidate.problem = "年齢条件の下限が上限より大きい";
    }
    return;  // the model allows one age range
  }
}

void read_capacity(const Value& service, ServiceCandidate& candidate) {
  const Value* capacity = extension_with_url(service, model::kCapacityUrl);
  if (capacity == nullptr) return;
  if (const Value* status = extension_with_url(*capacity, "capacityStatus")) {
    if (const Value* codeable = status->find("valueCodeableConcept")) {
      const auto codes = codes_of(*codeable, model::kCapacityCodeSystem);
      if (!codes.empty()) candidate.capacity = codes.front();
    }
  }
  // SDOH Clinical Care's current build renames waitlist (conf/directory/README.md).
  if (candidate.capacity == "no-capacity-has-waitlist") candidate.capacity = "waitlist";
  if (const Value* notes = extension_with_url(*capacity, "capacityNotes")) {
    candidate.capacity_notes = std::string(notes->string_at("valueString"));
  }
}

void read_areas(const Value& service, const ResourceLookup& lookup, ServiceCandidate& candidate) {
  if (const Value* areas = service.find("coverageArea")) {
    for (const Value& reference : areas->items()) {
      CoverageArea area;
      area.reference = std::string(reference.string_at("reference"));
      const Value* location = area.reference.starts_with("Location/") ? lookup(area.reference) : nullptr;
      if (location == nullptr) {
        if (candidate.problem.empty()) candidate.problem = "対象区域 " + area.reference + " が見つからない";
        continue;
      }
      if (const Value* code = extension_with_url(*location, model::kLocalGovernmentCodeUrl)) {
        area.municipality_code = std::string(code->string_at("valueCode"));
      }
      area.postal_codes = extension_strings(*location, model::kAreaPostalCodeUrl, "valueString");
      area.towns = extension_strings(*location, model::kAreaTownUrl, "valueString");
      if (const Value* physical_type = location->find("physicalType")) {
        const auto codes = codes_of(*physical_type, model::kLocationPhysicalTypeSystem);
        area.whole_municipality = std::find(codes.begin(), codes.end(), "jdn") != codes.end();
      }
      area.name = std::string(location->string_at("name"));
      candidate.areas.push_back(std::move(area));
    }
  }
  if (candidate.areas.empty() && candidate.problem.empty()) candidate.problem = "対象区域 (coverageArea) がない";
}

void read_endpoint(const Value& service, const ResourceLookup& lookup, ServiceCandidate& candidate) {
  if (const Value* endpoints = service.find("endpoint")) {
    for (const Value& reference : endpoints->items()) {
      const std::string_view target = reference.string_at("reference");
      const Value* endpoint = target.starts_with("Endpoint/") ? lookup(target) : nullptr;
      if (endpoint != nullptr && endpoint->string_at("status") == "active" &&
          !endpoint->string_at("address").empty()) {
        candidate.endpoint_address = std::string(endpoint->string_at("address"));
        break;
      }
    }
  }
  if (candidate.full_recipient && candidate.endpoint_address.empty() && candidate.problem.empty()) {
    candidate.problem = "full 受け手なのに有効な Endpoint がない";
  }
}

}  // namespace

std::vector<std::string> council_memberships_of(const Value& organization) {
  std::vector<std::string> councils;
  if (const Value* extensions = organization.find("extension")) {
    for (const Value& extension : extensions->items()) {
      if (extension.string_at("url") != model::kCouncilMembershipUrl) continue;
      const Value* coding = extension.find("valueCoding");
      if (coding != nullptr && coding->string_at("system") == model::kCouncilSystem &&
          !coding->string_at("code").empty()) {
        councils.emplace_back(coding->string_at("code"));
      }
    }
  }
  return councils;
}

std::string ServiceCandidate::label() const {
  if (organization_name.empty() || organization_name == name) return name.empty() ? service : name;
  return organization_name + "「" + name + "」";
}

std::optional<ServiceCandidate> read_candidate(const Value& service, const ResourceLookup& lookup) {
  if (service.string_at("resourceType") != "HealthcareService" || service.string_at("id").empty()) {
    return std::nullopt;
  }
  ServiceCandidate candidate;
  candidate.service = "HealthcareService/" + std::string(service.string_at("id"));
  // R4 gives `active` no default; the directory always writes it, and an entry that does not
  // say otherwise is taken as in use.
  const Value* active = service.find("active");
  candidate.active = active == nullptr || active->as_bool();
  if (const Value* identifiers = service.find("identifier")) {
    for (const Value& identifier : identifiers->items()) {
      if (identifier.string_at("system") == model::kServiceIdSystem) {
        candidate.service_identifier = std::string(identifier.string_at("value"));
      }
    }
  }
  if (candidate.service_identifier.empty()) candidate.service_identifier = std::string(service.string_at("id"));
  if (const Value* provided_by = service.find("providedBy")) {
    candidate.organization = std::string(provided_by->string_at("reference"));
    candidate.organization_name = std::string(provided_by->string_at("display"));
  }
  candidate.name = std::string(service.string_at("name"));
  if (const Value* categories = service.find("category")) {
    for (const Value& category : categories->items()) {
      const auto kinds = codes_of(category, model::kRecipientKindSystem);
      if (!kinds.empty()) {
        candidate.recipient_kind = kinds.front();
        break;
      }
    }
  }
  if (const Value* types = service.find("type")) {
    for (const Value& type : types->items()) {
      for (std::string& code : codes_of(type, model::kSdhDomainSystem)) candidate.need_domains.push_back(std::move(code));
    }
  }
  if (const Value* mode = extension_with_url(service, model::kRecipientModeUrl)) {
    candidate.full_recipient = mode->string_at("valueCode") == "full";
  }
  read_age_range(service, candidate);
  read_capacity(service, candidate);
  read_areas(service, lookup, candidate);
  read_endpoint(service, lookup, candidate);
  if (candidate.organization.starts_with("Organization/")) {
    if (const Value* organization = lookup(candidate.organization)) {
      candidate.council_memberships = council_memberships_of(*organization);
    }
  }
  if (candidate.problem.empty() && candidate.recipient_kind.empty()) {
    candidate.problem = "受け手の種類 (category, recipient-kind) がない";
  }
  if (candidate.problem.empty() && candidate.organization.empty()) {
    candidate.problem = "提供組織 (providedBy) がない";
  }
  return candidate;
}

std::vector<ServiceCandidate> load_candidates(storage::WriteTransaction& transaction, std::string_view need_domain) {
  // Only `active` is searched in SQL: it has been indexed since the first migration, whereas a
  // new index on `type` would miss every service written before it existed (nothing re-indexes
  // unchanged resources). The need is checked on the body, which is read anyway.
  const search::SearchRequest request =
      search::parse_search_request("HealthcareService", {rest::QueryParam{"active", "", "true"}});
  const std::vector<std::string> ids =
      search::find_matching_ids(transaction.connection(), request, kMaxDirectoryServices);

  // Locations, Endpoints and Organizations are shared by many services: each is read and parsed once.
  std::map<std::string, std::optional<fhir::json::Document>, std::less<>> referenced;
  const ResourceLookup lookup = [&](std::string_view reference) -> const Value* {
    auto found = referenced.find(reference);
    if (found == referenced.end()) {
      std::optional<fhir::json::Document> document;
      const std::size_t slash = reference.find('/');
      if (slash != std::string_view::npos) {
        const auto stored = transaction.current(reference.substr(0, slash), reference.substr(slash + 1));
        if (stored && !stored->deleted) document = std::move(fhir::json::parse(stored->body).document);
      }
      found = referenced.emplace(std::string(reference), std::move(document)).first;
    }
    return found->second ? &found->second->root() : nullptr;
  };

  std::vector<ServiceCandidate> candidates;
  for (const std::string& id : ids) {
    const auto stored = transaction.current("HealthcareService", id);
    if (!stored || stored->deleted) continue;
    const fhir::json::ParseResult parsed = fhir::json::parse(stored->body);
    if (!parsed.document) continue;
    const Value& service = parsed.document->root();
    if (!need_domain.empty()) {
      bool serves = false;
      if (const Value* types = service.find("type")) {
        for (const Value& type : types->items()) {
          const auto codes = codes_of(type, model::kSdhDomainSystem);
          serves = serves || std::find(codes.begin(), codes.end(), need_domain) != codes.end();
        }
      }
      if (!serves) continue;
    }
    if (auto candidate = read_candidate(service, lookup)) candidates.push_back(std::move(*candidate));
  }
  std::sort(candidates.begin(), candidates.end(), [](const ServiceCandidate& a, const ServiceCandidate& b) {
    return std::tie(a.service_identifier, a.service) < std::tie(b.service_identifier, b.service);
  });
  return candidates;
}

}  // namespace socialrx::gateway::referral
