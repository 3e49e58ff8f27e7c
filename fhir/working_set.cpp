#include "fhir/working_set.hpp"

#include <algorithm>
#include <array>

namespace socialrx::fhir {
namespace {

constexpr std::array<std::string_view, 31> kWorkingSet{
    "AuditEvent", "Binary", "Bundle", "CapabilityStatement", "CarePlan", "Communication",
    "Composition", "Condition", "Consent", "Coverage", "DocumentReference", "Encounter",
    "Endpoint", "Goal", "HealthcareService", "Location", "MeasureReport", "Observation",
    "OperationOutcome", "Organization", "Parameters", "Patient", "Practitioner",
    "PractitionerRole", "Procedure", "Provenance", "Questionnaire", "QuestionnaireResponse",
    "ServiceRequest", "Subscription", "Task"};
static_assert(std::is_sorted(kWorkingSet.begin(), kWorkingSet.end()));

}  // namespace

std::span<const std::string_view> working_set() { return kWorkingSet; }

bool in_working_set(std::string_view resource_type) {
  return std::binary_search(kWorkingSet.begin(), kWorkingSet.end(), resource_type);
}

}  // namespace socialrx::fhir
