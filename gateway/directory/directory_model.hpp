#pragma once
// The community resource directory on FHIR: the URLs and codes every part of socialrx that reads
// the directory (routing, workflow, consent) relies on. conf/directory/README.md explains them;
// change both together.
//
//   Organization       the recipient (地域包括支援センター, 子ども家庭センター, …); type = recipient kind
//   HealthcareService  what it offers: category = recipient kind, type = need categories (sdh-domain),
//                      eligibility (age range), coverageArea, capacity status, endpoint, recipient mode
//   Location (site)    where it is (HSDS location): address, managingOrganization
//   Location (area)    the area it covers: a whole municipality or one 日常生活圏域, with postal-code
//                      and 町字 lists (HealthcareService.coverageArea)
//   Endpoint           the FHIR server of a "full" recipient (Organization.endpoint, HealthcareService.endpoint)

#include <string_view>

namespace socialrx::gateway::directory::model {

// --- Identifier systems (each resource is upserted on its identifier) -------------------------
inline constexpr std::string_view kOrganizationIdSystem = "https://socialrx.jp/fhir/sid/directory-organization";
inline constexpr std::string_view kServiceIdSystem = "https://socialrx.jp/fhir/sid/directory-service";
inline constexpr std::string_view kSiteIdSystem = "https://socialrx.jp/fhir/sid/directory-location";
// Coverage areas: value "<地方公共団体コード>" (whole municipality) or "<code>-<area id>" (one 圏域).
inline constexpr std::string_view kAreaIdSystem = "https://socialrx.jp/fhir/sid/service-area";
// Endpoint of a full recipient: value = the organization's directory id.
inline constexpr std::string_view kEndpointIdSystem = "https://socialrx.jp/fhir/sid/directory-endpoint";
// 介護保険 保険者番号 (6 digits with check digit) of a municipality's 要介護認定 office.
inline constexpr std::string_view kLtcInsurerNumberSystem = "https://socialrx.jp/fhir/sid/ltc-insurer-number";

// --- Extensions -------------------------------------------------------------------------------
// valueCode: the 6-digit 地方公共団体コード (check digit verified). On Organization and area Location.
inline constexpr std::string_view kLocalGovernmentCodeUrl =
    "https://socialrx.jp/fhir/StructureDefinition/local-government-code";
// valueCode "full" | "light". On Organization and HealthcareService.
inline constexpr std::string_view kRecipientModeUrl = "https://socialrx.jp/fhir/StructureDefinition/recipient-mode";
// valueRange in years (UCUM "a"), low and high inclusive, either may be absent. On
// HealthcareService.eligibility (the element whose code is eligibility-kind#age).
inline constexpr std::string_view kAgeRangeUrl = "https://socialrx.jp/fhir/StructureDefinition/eligibility-age-range";
// valueString, repeated: one 郵便番号 "NNN-NNNN" / one 町字 per extension. On area Location.
inline constexpr std::string_view kAreaPostalCodeUrl = "https://socialrx.jp/fhir/StructureDefinition/area-postal-code";
inline constexpr std::string_view kAreaTownUrl = "https://socialrx.jp/fhir/StructureDefinition/area-town";
// valueCoding, repeated: one statutory council the organization is a recorded member of
// (構成機関), a council code of the disclosure-basis CodeSystem (kCouncilSystem). On Organization.
// The consent gate lets a council basis reach the members (gateway/referral/README.md).
inline constexpr std::string_view kCouncilMembershipUrl =
    "https://socialrx.jp/fhir/StructureDefinition/council-membership";
// HL7 SDOH Clinical Care STU 3 (3.0.0): complex extension with capacityStatus
// (valueCodeableConcept from SDOHCC-ValueSetCapacityStatus) and capacityNotes (valueString).
inline constexpr std::string_view kCapacityUrl =
    "http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/SDOHCC-ExtensionHealthcareServiceCapacityStatus";
inline constexpr std::string_view kCapacityCodeSystem =
    "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes";

// --- Code systems -----------------------------------------------------------------------------
inline constexpr std::string_view kRecipientKindSystem = "https://socialrx.jp/fhir/CodeSystem/recipient-kind";
inline constexpr std::string_view kSdhDomainSystem = "https://socialrx.jp/fhir/CodeSystem/sdh-domain";
// conf/questionnaires/codesystem-disclosure-basis.json: its codes with property council = true
// name the statutory councils (the same string as referral::kDisclosureBasisSystem).
inline constexpr std::string_view kCouncilSystem = "https://socialrx.jp/fhir/CodeSystem/disclosure-basis";
// Kinds of eligibility rule; only "age" so far (its range is in kAgeRangeUrl).
inline constexpr std::string_view kEligibilityKindSystem = "https://socialrx.jp/fhir/CodeSystem/eligibility-kind";
inline constexpr std::string_view kLocationPhysicalTypeSystem =
    "http://terminology.hl7.org/CodeSystem/location-physical-type";
inline constexpr std::string_view kEndpointConnectionTypeSystem =
    "http://terminology.hl7.org/CodeSystem/endpoint-connection-type";
inline constexpr std::string_view kEndpointPayloadTypeSystem =
    "http://terminology.hl7.org/CodeSystem/endpoint-payload-type";

}  // namespace socialrx::gateway::directory::model
