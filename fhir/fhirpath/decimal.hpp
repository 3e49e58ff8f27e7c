#pragma once
// An exact decimal for FHIRPath arithmetic: a 64-bit mantissa and a power-of-ten scale.
//
// Why not double: scores are sums of answer weights ("1", "0.5") and FHIR keeps decimals as
// text, so 0.1 + 0.2 must be 0.3 and "2.50" must keep its two places. Why not text arithmetic:
// the values a questionnaire computes are small; 18 significant digits are plenty, and results
// that would not fit are reported as errors instead of being rounded silently.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace socialrx::fhir::fhirpath {

// value = mantissa / 10^scale. Trivial (no member initialisers) so that it can sit in a union.
struct Decimal {
  std::int64_t mantissa;
  std::int32_t scale;  // 0..kMaxScale
};

inline constexpr std::int32_t kMaxDecimalScale = 18;
// Places kept by division when the quotient does not terminate earlier (1 / 3 = 0.33333333).
inline constexpr std::int32_t kDivisionScale = 8;

// A JSON / FHIRPath number literal ("1.50", "-3", "1e2"); nullopt when it is not one or when it
// needs more than 18 significant digits.
std::optional<Decimal> parse_decimal(std::string_view text);
Decimal decimal_from_integer(std::int64_t value);

// "2.50", "-0.5", "3": the mantissa written with `scale` places, as a FHIR decimal literal.
std::string to_text(Decimal value);

// Exact arithmetic; nullopt on overflow (and for a zero divisor).
std::optional<Decimal> add(Decimal a, Decimal b);
std::optional<Decimal> subtract(Decimal a, Decimal b);
std::optional<Decimal> multiply(Decimal a, Decimal b);
// Rounded half away from zero to at most max(kDivisionScale, the operands' scales) places,
// trailing zeros dropped.
std::optional<Decimal> divide(Decimal a, Decimal b);
// Truncated quotient (div) and the remainder with the dividend's sign (mod), as FHIRPath says.
std::optional<Decimal> truncated_divide(Decimal a, Decimal b);
std::optional<Decimal> modulo(Decimal a, Decimal b);

// -1, 0, 1; scales do not matter (1.0 == 1.00).
int compare(Decimal a, Decimal b);
bool is_zero(Decimal value);
// The integer value when there is no fractional part and it fits.
std::optional<std::int64_t> to_integer(Decimal value);

}  // namespace socialrx::fhir::fhirpath
