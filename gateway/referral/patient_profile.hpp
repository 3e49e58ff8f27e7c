#pragma once
// What routing needs to know about the person referred: age and where they live. Read from the
// Patient (JP Core: address.postalCode "NNN-NNNN", address.city, address.line, birthDate).

#include <cstdint>
#include <optional>
#include <string>

#include "fhir/json.hpp"

namespace socialrx::gateway::referral {

struct PatientProfile {
  std::optional<int> age_years;   // completed years on today's date in Japan; nullopt without birthDate
  std::string municipality_code;  // 地方公共団体コード from the address's local-government-code extension
  std::string city;               // address.city (市区町村), to find the municipality when no code is given
  std::string postal_code;        // as written
  std::string address_line;       // the address lines joined (町字 and the rest)
};

// The home address (use home, else the first without use "old"/"billing").
PatientProfile read_patient_profile(const fhir::json::Value& patient, std::int64_t now_ms);

// Completed years between a FHIR date ("1960-04-01", "1960-04", "1960") and the day of now_ms in
// Japan (UTC+9). Partial dates count from their latest possible day, so the age is never overstated.
std::optional<int> age_on(std::string_view birth_date, std::int64_t now_ms);

}  // namespace socialrx::gateway::referral
