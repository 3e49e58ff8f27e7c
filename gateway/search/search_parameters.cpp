#include "gateway/search/search_parameters.hpp"

#include "fhir/working_set.hpp"

#include <algorithm>
#include <array>

namespace socialrx::gateway::search {
namespace {

// Paths follow the expressions of R4's SearchParameter resources; "patient" parameters are the
// subject parameters restricted to Patient references (R4: subject.where(resolve() is Patient)).
constexpr SearchParameter kParameters[] = {
    {"Patient", "identifier", ParamKind::token, "identifier", "", "http://hl7.org/fhir/SearchParameter/Patient-identifier"},
    {"Patient", "name", ParamKind::string, "name", "", "http://hl7.org/fhir/SearchParameter/Patient-name"},
    {"Patient", "family", ParamKind::string, "name.family", "", "http://hl7.org/fhir/SearchParameter/individual-family"},
    {"Patient", "given", ParamKind::string, "name.given", "", "http://hl7.org/fhir/SearchParameter/individual-given"},
    {"Patient", "birthdate", ParamKind::date, "birthDate", "", "http://hl7.org/fhir/SearchParameter/individual-birthdate"},
    {"Patient", "gender", ParamKind::token, "gender", "", "http://hl7.org/fhir/SearchParameter/individual-gender"},
    {"Patient", "address-postalcode", ParamKind::string, "address.postalCode", "", "http://hl7.org/fhir/SearchParameter/individual-address-postalcode"},
    {"Patient", "organization", ParamKind::reference, "managingOrganization", "", "http://hl7.org/fhir/SearchParameter/Patient-organization"},
    {"Practitioner", "identifier", ParamKind::token, "identifier", "", "http://hl7.org/fhir/SearchParameter/Practitioner-identifier"},
    {"Practitioner", "name", ParamKind::string, "name", "", "http://hl7.org/fhir/SearchParameter/Practitioner-name"},
    {"PractitionerRole", "organization", ParamKind::reference, "organization", "", "http://hl7.org/fhir/SearchParameter/PractitionerRole-organization"},
    {"PractitionerRole", "practitioner", ParamKind::reference, "practitioner", "", "http://hl7.org/fhir/SearchParameter/PractitionerRole-practitioner"},
    {"Organization", "identifier", ParamKind::token, "identifier", "", "http://hl7.org/fhir/SearchParameter/Organization-identifier"},
    {"Organization", "type", ParamKind::token, "type", "", "http://hl7.org/fhir/SearchParameter/Organization-type"},
    {"Organization", "name", ParamKind::string, "name", "", "http://hl7.org/fhir/SearchParameter/Organization-name"},
    {"Organization", "active", ParamKind::token, "active", "", "http://hl7.org/fhir/SearchParameter/Organization-active"},
    {"Location", "identifier", ParamKind::token, "identifier", "", "http://hl7.org/fhir/SearchParameter/Location-identifier"},
    {"Location", "name", ParamKind::string, "name", "", "http://hl7.org/fhir/SearchParameter/Location-name"},
    {"Location", "address-postalcode", ParamKind::string, "address.postalCode", "", "http://hl7.org/fhir/SearchParameter/Location-address-postalcode"},
    {"Location", "organization", ParamKind::reference, "managingOrganization", "", "http://hl7.org/fhir/SearchParameter/Location-organization"},
    {"HealthcareService", "identifier", ParamKind::token, "identifier", "", "http://hl7.org/fhir/SearchParameter/HealthcareService-identifier"},
    {"HealthcareService", "organization", ParamKind::reference, "providedBy", "", "http://hl7.org/fhir/SearchParameter/HealthcareService-organization"},
    {"HealthcareService", "service-category", ParamKind::token, "category", "", "http://hl7.org/fhir/SearchParameter/HealthcareService-service-category"},
    {"HealthcareService", "location", ParamKind::reference, "location", "", "http://hl7.org/fhir/SearchParameter/HealthcareService-location"},
    {"HealthcareService", "name", ParamKind::string, "name", "", "http://hl7.org/fhir/SearchParameter/HealthcareService-name"},
    {"HealthcareService", "active", ParamKind::token, "active", "", "http://hl7.org/fhir/SearchParameter/HealthcareService-active"},
    {"Endpoint", "identifier", ParamKind::token, "identifier", "", "http://hl7.org/fhir/SearchParameter/Endpoint-identifier"},
    {"Endpoint", "organization", ParamKind::reference, "managingOrganization", "", "http://hl7.org/fhir/SearchParameter/Endpoint-organization"},
    {"Endpoint", "name", ParamKind::string, "name", "", "http://hl7.org/fhir/SearchParameter/Endpoint-name"},
    {"Questionnaire", "url", ParamKind::uri, "url", "", "http://hl7.org/fhir/SearchParameter/Questionnaire-url"},
    {"Questionnaire", "version", ParamKind::token, "version", "", "http://hl7.org/fhir/SearchParameter/Questionnaire-version"},
    {"Questionnaire", "status", ParamKind::token, "status", "", "http://hl7.org/fhir/SearchParameter/Questionnaire-status"},
    {"Questionnaire", "identifier", ParamKind::token, "identifier", "", "http://hl7.org/fhir/SearchParameter/Questionnaire-identifier"},
    {"CodeSystem", "url", ParamKind::uri, "url", "", "http://hl7.org/fhir/SearchParameter/conformance-url"},
    {"CodeSystem", "version", ParamKind::token, "version", "", "http://hl7.org/fhir/SearchParameter/conformance-version"},
    {"CodeSystem", "status", ParamKind::token, "status", "", "http://hl7.org/fhir/SearchParameter/conformance-status"},
    {"QuestionnaireResponse", "identifier", ParamKind::token, "identifier", "", "http://hl7.org/fhir/SearchParameter/QuestionnaireResponse-identifier"},
    {"QuestionnaireResponse", "subject", ParamKind::reference, "subject", "", "http://hl7.org/fhir/SearchParameter/QuestionnaireResponse-subject"},
    {"QuestionnaireResponse", "patient", ParamKind::reference, "subject", "Patient", "http://hl7.org/fhir/SearchParameter/QuestionnaireResponse-patient"},
    {"QuestionnaireResponse", "questionnaire", ParamKind::reference, "questionnaire", "", "http://hl7.org/fhir/SearchParameter/QuestionnaireResponse-questionnaire"},
    {"QuestionnaireResponse", "status", ParamKind::token, "status", "", "http://hl7.org/fhir/SearchParameter/QuestionnaireResponse-status"},
    {"QuestionnaireResponse", "authored", ParamKind::date, "authored", "", "http://hl7.org/fhir/SearchParameter/QuestionnaireResponse-authored"},
    {"QuestionnaireResponse", "author", ParamKind::reference, "author", "", "http://hl7.org/fhir/SearchParameter/QuestionnaireResponse-author"},
    {"Observation", "identifier", ParamKind::token, "identifier", "", "http://hl7.org/fhir/SearchParameter/clinical-identifier"},
    {"Observation", "subject", ParamKind::reference, "subject", "", "http://hl7.org/fhir/SearchParameter/Observation-subject"},
    {"Observation", "patient", ParamKind::reference, "subject", "Patient", "http://hl7.org/fhir/SearchParameter/clinical-patient"},
    {"Observation", "code", ParamKind::token, "code", "", "http://hl7.org/fhir/SearchParameter/clinical-code"},
    {"Observation", "category", ParamKind::token, "category", "", "http://hl7.org/fhir/SearchParameter/Observation-category"},
    {"Observation", "status", ParamKind::token, "status", "", "http://hl7.org/fhir/SearchParameter/Observation-status"},
    {"Observation", "derived-from", ParamKind::reference, "derivedFrom", "", "http://hl7.org/fhir/SearchParameter/Observation-derived-from"},
    {"Observation", "date", ParamKind::date, "effective[x]", "", "http://hl7.org/fhir/SearchParameter/clinical-date"},
    {"Observation", "performer", ParamKind::reference, "performer", "", "http://hl7.org/fhir/SearchParameter/Observation-performer"},
    {"Condition", "identifier", ParamKind::token, "identifier", "", "http://hl7.org/fhir/SearchParameter/clinical-identifier"},
    {"Condition", "subject", ParamKind::reference, "subject", "", "http://hl7.org/fhir/SearchParameter/Condition-subject"},
    {"Condition", "patient", ParamKind::reference, "subject", "Patient", "http://hl7.org/fhir/SearchParameter/clinical-patient"},
    {"Condition", "code", ParamKind::token, "code", "", "http://hl7.org/fhir/SearchParameter/clinical-code"},
    {"Condition", "category", ParamKind::token, "category", "", "http://hl7.org/fhir/SearchParameter/Condition-category"},
    {"Condition", "clinical-status", ParamKind::token, "clinicalStatus", "", "http://hl7.org/fhir/SearchParameter/Condition-clinical-status"},
    {"Condition", "verification-status", ParamKind::token, "verificationStatus", "", "http://hl7.org/fhir/SearchParameter/Condition-verification-status"},
    {"Condition", "asserter", ParamKind::reference, "asserter", "", "http://hl7.org/fhir/SearchParameter/Condition-asserter"},
    {"Goal", "subject", ParamKind::reference, "subject", "", "http://hl7.org/fhir/SearchParameter/Goal-subject"},
    {"Goal", "patient", ParamKind::reference, "subject", "Patient", "http://hl7.org/fhir/SearchParameter/clinical-patient"},
    {"Goal", "lifecycle-status", ParamKind::token, "lifecycleStatus", "", "http://hl7.org/fhir/SearchParameter/Goal-lifecycle-status"},
    {"ServiceRequest", "identifier", ParamKind::token, "identifier", "", "http://hl7.org/fhir/SearchParameter/clinical-identifier"},
    {"ServiceRequest", "subject", ParamKind::reference, "subject", "", "http://hl7.org/fhir/SearchParameter/ServiceRequest-subject"},
    {"ServiceRequest", "patient", ParamKind::reference, "subject", "Patient", "http://hl7.org/fhir/SearchParameter/clinical-patient"},
    {"ServiceRequest", "status", ParamKind::token, "status", "", "http://hl7.org/fhir/SearchParameter/ServiceRequest-status"},
    {"ServiceRequest", "intent", ParamKind::token, "intent", "", "http://hl7.org/fhir/SearchParameter/ServiceRequest-intent"},
    {"ServiceRequest", "requester", ParamKind::reference, "requester", "", "http://hl7.org/fhir/SearchParameter/ServiceRequest-requester"},
    {"ServiceRequest", "performer", ParamKind::reference, "performer", "", "http://hl7.org/fhir/SearchParameter/ServiceRequest-performer"},
    {"ServiceRequest", "category", ParamKind::token, "category", "", "http://hl7.org/fhir/SearchParameter/ServiceRequest-category"},
    {"ServiceRequest", "code", ParamKind::token, "code", "", "http://hl7.org/fhir/SearchParameter/clinical-code"},
    {"ServiceRequest", "based-on", ParamKind::reference, "basedOn", "", "http://hl7.org/fhir/SearchParameter/ServiceRequest-based-on"},
    {"ServiceRequest", "authored", ParamKind::date, "authoredOn", "", "http://hl7.org/fhir/SearchParameter/ServiceRequest-authored"},
    {"Task", "identifier", ParamKind::token, "identifier", "", "http://hl7.org/fhir/SearchParameter/Task-identifier"},
    {"Task", "owner", ParamKind::reference, "owner", "", "http://hl7.org/fhir/SearchParameter/Task-owner"},
    {"Task", "requester", ParamKind::reference, "requester", "", "http://hl7.org/fhir/SearchParameter/Task-requester"},
    {"Task", "status", ParamKind::token, "status", "", "http://hl7.org/fhir/SearchParameter/Task-status"},
    {"Task", "intent", ParamKind::token, "intent", "", "http://hl7.org/fhir/SearchParameter/Task-intent"},
    {"Task", "code", ParamKind::token, "code", "", "http://hl7.org/fhir/SearchParameter/Task-code"},
    {"Task", "focus", ParamKind::reference, "focus", "", "http://hl7.org/fhir/SearchParameter/Task-focus"},
    {"Task", "part-of", ParamKind::reference, "partOf", "", "http://hl7.org/fhir/SearchParameter/Task-part-of"},
    {"Task", "based-on", ParamKind::reference, "basedOn", "", "http://hl7.org/fhir/SearchParameter/Task-based-on"},
    {"Task", "subject", ParamKind::reference, "for", "", "http://hl7.org/fhir/SearchParameter/Task-subject"},
    {"Task", "patient", ParamKind::reference, "for", "Patient", "http://hl7.org/fhir/SearchParameter/Task-patient"},
    {"Task", "business-status", ParamKind::token, "businessStatus", "", "http://hl7.org/fhir/SearchParameter/Task-business-status"},
    {"Task", "authored-on", ParamKind::date, "authoredOn", "", "http://hl7.org/fhir/SearchParameter/Task-authored-on"},
    {"Procedure", "subject", ParamKind::reference, "subject", "", "http://hl7.org/fhir/SearchParameter/Procedure-subject"},
    {"Procedure", "patient", ParamKind::reference, "subject", "Patient", "http://hl7.org/fhir/SearchParameter/clinical-patient"},
    {"Procedure", "based-on", ParamKind::reference, "basedOn", "", "http://hl7.org/fhir/SearchParameter/Procedure-based-on"},
    {"Procedure", "status", ParamKind::token, "status", "", "http://hl7.org/fhir/SearchParameter/Procedure-status"},
    {"Consent", "identifier", ParamKind::token, "identifier", "", "http://hl7.org/fhir/SearchParameter/clinical-identifier"},
    {"Consent", "patient", ParamKind::reference, "patient", "", "http://hl7.org/fhir/SearchParameter/clinical-patient"},
    {"Consent", "status", ParamKind::token, "status", "", "http://hl7.org/fhir/SearchParameter/Consent-status"},
    {"Consent", "actor", ParamKind::reference, "provision.actor.reference", "", "http://hl7.org/fhir/SearchParameter/Consent-actor"},
    {"Consent", "category", ParamKind::token, "category", "", "http://hl7.org/fhir/SearchParameter/Consent-category"},
    {"Composition", "subject", ParamKind::reference, "subject", "", "http://hl7.org/fhir/SearchParameter/Composition-subject"},
    {"Composition", "patient", ParamKind::reference, "subject", "Patient", "http://hl7.org/fhir/SearchParameter/clinical-patient"},
    {"Composition", "type", ParamKind::token, "type", "", "http://hl7.org/fhir/SearchParameter/clinical-type"},
    {"Bundle", "identifier", ParamKind::token, "identifier", "", "http://hl7.org/fhir/SearchParameter/Bundle-identifier"},
    {"Bundle", "type", ParamKind::token, "type", "", "http://hl7.org/fhir/SearchParameter/Bundle-type"},
    {"AuditEvent", "date", ParamKind::date, "recorded", "", "http://hl7.org/fhir/SearchParameter/AuditEvent-date"},
    {"AuditEvent", "entity", ParamKind::reference, "entity.what", "", "http://hl7.org/fhir/SearchParameter/AuditEvent-entity"},
    {"AuditEvent", "agent", ParamKind::reference, "agent.who", "", "http://hl7.org/fhir/SearchParameter/AuditEvent-agent"},
    // The read gate (gateway/referral/read_gate.hpp) finds the disclosure records (DICOM 110106
    // Export) among the access records of the same organization by it.
    {"AuditEvent", "type", ParamKind::token, "type", "", "http://hl7.org/fhir/SearchParameter/AuditEvent-type"},
    {"Provenance", "target", ParamKind::reference, "target", "", "http://hl7.org/fhir/SearchParameter/Provenance-target"},
    {"Subscription", "status", ParamKind::token, "status", "", "http://hl7.org/fhir/SearchParameter/Subscription-status"},
    {"MeasureReport", "subject", ParamKind::reference, "subject", "", "http://hl7.org/fhir/SearchParameter/MeasureReport-subject"},
    {"MeasureReport", "period", ParamKind::date, "period", "", "http://hl7.org/fhir/SearchParameter/MeasureReport-period"},
    {"Communication", "subject", ParamKind::reference, "subject", "", "http://hl7.org/fhir/SearchParameter/Communication-subject"},
    {"Communication", "patient", ParamKind::reference, "subject", "Patient", "http://hl7.org/fhir/SearchParameter/Communication-patient"},
    {"Communication", "based-on", ParamKind::reference, "basedOn", "", "http://hl7.org/fhir/SearchParameter/Communication-based-on"},
    {"DocumentReference", "subject", ParamKind::reference, "subject", "", "http://hl7.org/fhir/SearchParameter/DocumentReference-subject"},
    {"DocumentReference", "patient", ParamKind::reference, "subject", "Patient", "http://hl7.org/fhir/SearchParameter/clinical-patient"},
    {"Coverage", "identifier", ParamKind::token, "identifier", "", "http://hl7.org/fhir/SearchParameter/Coverage-identifier"},
    {"Coverage", "beneficiary", ParamKind::reference, "beneficiary", "", "http://hl7.org/fhir/SearchParameter/Coverage-beneficiary"},
    // SS-MIX2 ADT messages (mappings/hl7v2) store visits by their visit number (PV1-19).
    {"Encounter", "identifier", ParamKind::token, "identifier", "", "http://hl7.org/fhir/SearchParameter/clinical-identifier"},
    {"Encounter", "subject", ParamKind::reference, "subject", "", "http://hl7.org/fhir/SearchParameter/Encounter-subject"},
    {"Encounter", "patient", ParamKind::reference, "subject", "Patient", "http://hl7.org/fhir/SearchParameter/clinical-patient"},
    {"CarePlan", "subject", ParamKind::reference, "subject", "", "http://hl7.org/fhir/SearchParameter/CarePlan-subject"},
    {"CarePlan", "patient", ParamKind::reference, "subject", "Patient", "http://hl7.org/fhir/SearchParameter/clinical-patient"},};

}  // namespace

std::string_view kind_name(ParamKind kind) {
  switch (kind) {
    case ParamKind::token: return "token";
    case ParamKind::string: return "string";
    case ParamKind::reference: return "reference";
    case ParamKind::date: return "date";
    case ParamKind::uri: return "uri";
  }
  return "token";
}

std::span<const SearchParameter> search_parameters() { return kParameters; }

const SearchParameter* find_search_parameter(std::string_view resource_type,
                                             std::string_view code) {
  for (const SearchParameter& parameter : kParameters) {
    if (parameter.resource_type == resource_type && parameter.code == code) return &parameter;
  }
  return nullptr;
}

std::vector<const SearchParameter*> parameters_of(std::string_view resource_type) {
  std::vector<const SearchParameter*> found;
  for (const SearchParameter& parameter : kParameters) {
    if (parameter.resource_type == resource_type) found.push_back(&parameter);
  }
  return found;
}

// The working set less the three that are messages rather than records, plus CodeSystem (the
// code systems of the shipped Questionnaires are published next to them).
bool is_supported_resource_type(std::string_view type) {
  if (type == "CodeSystem") return true;
  return fhir::in_working_set(type) && type != "OperationOutcome" && type != "Parameters" &&
         type != "CapabilityStatement";
}

std::span<const std::string_view> supported_resource_types() {
  static const std::vector<std::string_view> types = [] {
    std::vector<std::string_view> stored{"CodeSystem"};
    for (std::string_view type : fhir::working_set()) {
      if (is_supported_resource_type(type)) stored.push_back(type);
    }
    std::sort(stored.begin(), stored.end());
    return stored;
  }();
  return types;
}

}  // namespace socialrx::gateway::search
