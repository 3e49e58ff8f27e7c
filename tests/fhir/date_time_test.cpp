#include "fhir/date_time.hpp"

#include <gtest/gtest.h>

namespace socialrx::fhir {
namespace {

TEST(DateTime, PartialDatesAreWholePeriods) {
  auto year = time_range("2024");
  ASSERT_TRUE(year);
  EXPECT_EQ(format_instant(year->low_ms), "2024-01-01T00:00:00.000Z");
  EXPECT_EQ(format_instant(year->high_ms), "2024-12-31T23:59:59.999Z");
  auto february = time_range("2024-02");
  EXPECT_EQ(format_instant(february->high_ms), "2024-02-29T23:59:59.999Z");
  auto day = time_range("1962-03-15");
  EXPECT_EQ(format_instant(day->low_ms), "1962-03-15T00:00:00.000Z");
  EXPECT_EQ(day->high_ms - day->low_ms, 86'400'000 - 1);
}

TEST(DateTime, ZonesAndFractions) {
  auto tokyo = time_range("2026-12-01T09:30:00+09:00");
  ASSERT_TRUE(tokyo);
  EXPECT_EQ(format_instant(tokyo->low_ms), "2026-12-01T00:30:00.000Z");
  EXPECT_EQ(tokyo->high_ms - tokyo->low_ms, 999);
  auto precise = time_range("2026-12-01T00:30:00.1234Z");
  EXPECT_EQ(format_instant(precise->low_ms), "2026-12-01T00:30:00.123Z");
  EXPECT_EQ(precise->high_ms, precise->low_ms);
  EXPECT_FALSE(time_range("2023-02-29"));
  EXPECT_FALSE(time_range("yesterday"));
}

TEST(DateTime, Formatting) {
  EXPECT_EQ(format_instant(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(format_http_date(time_range("2026-12-01T09:30:05Z")->low_ms),
            "Tue, 01 Dec 2026 09:30:05 GMT");
  EXPECT_EQ(format_instant(time_range("1944-02-29")->low_ms), "1944-02-29T00:00:00.000Z");
}

}  // namespace
}  // namespace socialrx::fhir
