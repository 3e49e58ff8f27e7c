#pragma once
// Comparison of two typed values for enableWhen operators, answerOption membership and
// minValue/maxValue: numbers numerically (integer against decimal too), dates and dateTimes as
// the periods they name (FHIR partial dates: "2024" and "2024-03" overlap, so neither equal nor
// ordered), times by their digits, Codings by system and code (a side without system matches
// on code alone), Quantities by value when their units agree, strings, uris and references by
// their text.

#include "fhir/questionnaire/answer_value.hpp"

namespace socialrx::fhir::questionnaire {

enum class Ordering : std::uint8_t {
  less,
  equal,
  greater,
  different,      // not equal, but the type has no order (Coding, boolean, reference)
  indeterminate,  // cannot be compared: other types, other units, overlapping partial dates
};

Ordering compare_values(const TypedValue& a, const TypedValue& b);

// The Coding rule on Codings already read: same code, and same system unless one has none.
inline bool codings_match(const CodingView& a, const CodingView& b) {
  return a.code == b.code && (a.system.empty() || b.system.empty() || a.system == b.system);
}

inline bool values_equal(const TypedValue& a, const TypedValue& b) {
  return compare_values(a, b) == Ordering::equal;
}

}  // namespace socialrx::fhir::questionnaire
