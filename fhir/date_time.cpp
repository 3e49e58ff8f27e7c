#include "fhir/date_time.hpp"

#include <array>
#include <cstdio>

#include "fhir/primitives.hpp"

namespace socialrx::fhir {
namespace {

constexpr std::int64_t kMsPerDay = 86'400'000;

int digits(std::string_view text, std::size_t at, std::size_t count) {
  int value = 0;
  for (std::size_t i = 0; i < count; ++i) value = value * 10 + (text[at + i] - '0');
  return value;
}

struct Civil {
  int year;
  unsigned month;
  unsigned day;
};

Civil civil_from_days(std::int64_t days) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const auto y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int>(y + (m <= 2)), m, d};
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

}  // namespace

std::int64_t days_from_civil(int year, unsigned month, unsigned day) {
  year -= month <= 2;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto yoe = static_cast<unsigned>(year - era * 400);
  const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::optional<TimeRange> time_range(std::string_view text) {
  if (!check_primitive(Primitive::dateTime, text).empty() &&
      !check_primitive(Primitive::instant, text).empty()) {
    return std::nullopt;
  }
  // The text is a valid date or dateTime: fixed positions can be read without more checks.
  const int year = digits(text, 0, 4);
  if (text.size() == 4) {
    return TimeRange{days_from_civil(year, 1, 1) * kMsPerDay,
                     days_from_civil(year + 1, 1, 1) * kMsPerDay - 1};
  }
  const auto month = static_cast<unsigned>(digits(text, 5, 2));
  if (text.size() == 7) {
    const std::int64_t next = month == 12 ? days_from_civil(year + 1, 1, 1)
                                          : days_from_civil(year, month + 1, 1);
    return TimeRange{days_from_civil(year, month, 1) * kMsPerDay, next * kMsPerDay - 1};
  }
  const auto day = static_cast<unsigned>(digits(text, 8, 2));
  const std::int64_t day_start = days_from_civil(year, month, day) * kMsPerDay;
  if (text.size() == 10) return TimeRange{day_start, day_start + kMsPerDay - 1};

  // YYYY-MM-DDThh:mm:ss[.fff](Z|±hh:mm)
  std::int64_t ms = day_start + digits(text, 11, 2) * 3'600'000LL + digits(text, 14, 2) * 60'000LL +
                    digits(text, 17, 2) * 1'000LL;
  std::size_t pos = 19;
  std::int64_t span = 999;  // seconds precision: the whole second
  if (text[pos] == '.') {
    std::size_t end = pos + 1;
    while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
    const std::size_t fraction_digits = end - pos - 1;
    std::int64_t fraction_ms = 0;
    for (std::size_t i = 0; i < 3; ++i) {
      fraction_ms = fraction_ms * 10 + (i < fraction_digits ? text[pos + 1 + i] - '0' : 0);
    }
    ms += fraction_ms;
    span = fraction_digits >= 3 ? 0 : (fraction_digits == 2 ? 9 : 99);
    pos = end;
  }
  if (text[pos] != 'Z') {
    const std::int64_t offset = (digits(text, pos + 1, 2) * 60 + digits(text, pos + 4, 2)) * 60'000LL;
    ms += text[pos] == '+' ? -offset : offset;
  }
  return TimeRange{ms, ms + span};
}

std::string format_instant(std::int64_t epoch_ms) {
  const std::int64_t days = floor_div(epoch_ms, kMsPerDay);
  const std::int64_t in_day = epoch_ms - days * kMsPerDay;
  const Civil date = civil_from_days(days);
  std::array<char, 32> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", date.year,
                date.month, date.day, static_cast<int>(in_day / 3'600'000),
                static_cast<int>(in_day / 60'000 % 60), static_cast<int>(in_day / 1000 % 60),
                static_cast<int>(in_day % 1000));
  return buffer.data();
}

std::string format_http_date(std::int64_t epoch_ms) {
  static constexpr std::array<const char*, 7> kWeekdays{"Thu", "Fri", "Sat", "Sun",
                                                        "Mon", "Tue", "Wed"};  // 1970-01-01 = Thu
  static constexpr std::array<const char*, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::int64_t days = floor_div(epoch_ms, kMsPerDay);
  const std::int64_t in_day = epoch_ms - days * kMsPerDay;
  const Civil date = civil_from_days(days);
  std::array<char, 40> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "%s, %02u %s %04d %02d:%02d:%02d GMT",
                kWeekdays[static_cast<std::size_t>(((days % 7) + 7) % 7)], date.day,
                kMonths[date.month - 1], date.year, static_cast<int>(in_day / 3'600'000),
                static_cast<int>(in_day / 60'000 % 60), static_cast<int>(in_day / 1000 % 60));
  return buffer.data();
}

}  // namespace socialrx::fhir
