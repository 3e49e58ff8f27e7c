#include "gateway/referral/patient_profile.hpp"

#include <charconv>

#include "fhir/date_time.hpp"
#include "gateway/directory/directory_model.hpp"

namespace socialrx::gateway::referral {
namespace {

using fhir::json::Value;

struct CivilDate {
  int year;
  unsigned month;
  unsigned day;
};

CivilDate civil_from_days(std::int64_t z) {  // H. Hinnant's algorithm
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned day = doy - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  const int year = static_cast<int>(yoe + era * 400) + (month <= 2);
  return {year, month, day};
}

bool read_number(std::string_view text, int& value) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}

const Value* home_address(const Value& patient) {
  const Value* addresses = patient.find("address");
  if (addresses == nullptr || !addresses->is_array()) return nullptr;
  const Value* fallback = nullptr;
  for (const Value& address : addresses->items()) {
    const std::string_view use = address.string_at("use");
    if (use == "home") return &address;
    if (fallback == nullptr && use != "old" && use != "billing") fallback = &address;
  }
  return fallback;
}

}  // namespace

std::optional<int> age_on(std::string_view birth_date, std::int64_t now_ms) {
  int year = 0;
  int month = 12;
  int day = 31;
  if (birth_date.size() < 4 || !read_number(birth_date.substr(0, 4), year)) return std::nullopt;
  if (birth_date.size() >= 7 && !read_number(birth_date.substr(5, 2), month)) return std::nullopt;
  if (birth_date.size() >= 10 && !read_number(birth_date.substr(8, 2), day)) return std::nullopt;
  constexpr std::int64_t kJapanOffsetMs = 9 * 3600 * 1000;
  constexpr std::int64_t kDayMs = 86'400'000;
  const CivilDate today = civil_from_days((now_ms + kJapanOffsetMs) / kDayMs);
  int age = today.year - year;
  if (static_cast<int>(today.month) < month || (static_cast<int>(today.month) == month && static_cast<int>(today.day) < day)) {
    --age;
  }
  if (age < 0) return std::nullopt;
  return age;
}

PatientProfile read_patient_profile(const Value& patient, std::int64_t now_ms) {
  PatientProfile profile;
  profile.age_years = age_on(patient.string_at("birthDate"), now_ms);
  const Value* address = home_address(patient);
  if (address == nullptr) return profile;
  profile.city = std::string(address->string_at("city"));
  profile.postal_code = std::string(address->string_at("postalCode"));
  if (const Value* lines = address->find("line"); lines != nullptr && lines->is_array()) {
    for (const Value& line : lines->items()) profile.address_line += line.text();
  }
  if (const Value* extensions = address->find("extension"); extensions != nullptr && extensions->is_array()) {
    for (const Value& extension : extensions->items()) {
      if (extension.string_at("url") == directory::model::kLocalGovernmentCodeUrl) {
        profile.municipality_code = std::string(extension.string_at("valueCode"));
      }
    }
  }
  return profile;
}

}  // namespace socialrx::gateway::referral
