#pragma once
// FHIR dates and times as ranges of Unix epoch milliseconds (UTC), for search and for stamping
// meta.lastUpdated. A partial date is the whole period it names: "2024" is the year, "2024-02"
// the month; a date without a zone is read as UTC.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace socialrx::fhir {

struct TimeRange {
  std::int64_t low_ms;   // first millisecond of the period
  std::int64_t high_ms;  // last millisecond of the period (inclusive)
};

// A valid date, dateTime or instant (see check_primitive); nullopt otherwise.
std::optional<TimeRange> time_range(std::string_view text);

// "2026-12-01T09:30:00.123Z"
std::string format_instant(std::int64_t epoch_ms);
// "Tue, 01 Dec 2026 09:30:00 GMT" (RFC 9110 IMF-fixdate, for Last-Modified)
std::string format_http_date(std::int64_t epoch_ms);

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(int year, unsigned month, unsigned day);

}  // namespace socialrx::fhir
