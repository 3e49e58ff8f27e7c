#include "fhir/fhirpath/decimal.hpp"

#include <algorithm>
#include <limits>

namespace socialrx::fhir::fhirpath {
namespace {

// 128-bit intermediates keep every aligned operand exact; __extension__ keeps -Wpedantic quiet.
__extension__ typedef __int128 Wide;

constexpr Wide kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr Wide kInt64Min = std::numeric_limits<std::int64_t>::min();

Wide pow10(std::int32_t exponent) {
  Wide result = 1;
  for (std::int32_t i = 0; i < exponent; ++i) result *= 10;
  return result;
}

// Fits a wide mantissa into a Decimal, dropping trailing zeros only when it would not fit.
std::optional<Decimal> narrow(Wide mantissa, std::int32_t scale) {
  while ((mantissa > kInt64Max || mantissa < kInt64Min || scale > kMaxDecimalScale) && scale > 0 &&
         mantissa % 10 == 0) {
    mantissa /= 10;
    --scale;
  }
  if (mantissa > kInt64Max || mantissa < kInt64Min || scale > kMaxDecimalScale) return std::nullopt;
  return Decimal{static_cast<std::int64_t>(mantissa), scale};
}

Decimal strip_trailing_zeros(Decimal value) {
  while (value.scale > 0 && value.mantissa % 10 == 0) {
    value.mantissa /= 10;
    --value.scale;
  }
  return value;
}

}  // namespace

std::optional<Decimal> parse_decimal(std::string_view text) {
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
    negative = text[i] == '-';
    ++i;
  }
  Wide mantissa = 0;
  std::int32_t scale = 0;
  int digits = 0;
  bool any_digit = false;
  bool in_fraction = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c >= '0' && c <= '9') {
      any_digit = true;
      if (mantissa != 0 || c != '0') ++digits;
      if (digits > 18) return std::nullopt;
      mantissa = mantissa * 10 + (c - '0');
      if (in_fraction) ++scale;
    } else if (c == '.' && !in_fraction) {
      in_fraction = true;
    } else {
      break;
    }
  }
  if (!any_digit) return std::nullopt;
  if (i < text.size()) {
    if (text[i] != 'e' && text[i] != 'E') return std::nullopt;
    ++i;
    bool exponent_negative = false;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
      exponent_negative = text[i] == '-';
      ++i;
    }
    int exponent = 0;
    bool exponent_digit = false;
    for (; i < text.size(); ++i) {
      char c = text[i];
      if (c < '0' || c > '9') return std::nullopt;
      exponent_digit = true;
      exponent = exponent * 10 + (c - '0');
      if (exponent > 40) return std::nullopt;
    }
    if (!exponent_digit) return std::nullopt;
    if (exponent_negative) {
      scale += exponent;
    } else {
      while (exponent > 0 && scale > 0) {
        --scale;
        --exponent;
      }
      if (exponent > 18) return std::nullopt;
      mantissa *= pow10(exponent);
    }
  }
  if (negative) mantissa = -mantissa;
  return narrow(mantissa, scale);
}

Decimal decimal_from_integer(std::int64_t value) { return Decimal{value, 0}; }

std::string to_text(Decimal value) {
  // Digits of |mantissa| (as unsigned, so INT64_MIN works), then the point inserted.
  std::uint64_t magnitude = value.mantissa < 0 ? 0 - static_cast<std::uint64_t>(value.mantissa)
                                               : static_cast<std::uint64_t>(value.mantissa);
  std::string digits = std::to_string(magnitude);
  if (value.scale > 0) {
    if (digits.size() <= static_cast<std::size_t>(value.scale)) {
      digits.insert(0, static_cast<std::size_t>(value.scale) - digits.size() + 1, '0');
    }
    digits.insert(digits.size() - static_cast<std::size_t>(value.scale), 1, '.');
  }
  if (value.mantissa < 0) digits.insert(0, 1, '-');
  return digits;
}

std::optional<Decimal> add(Decimal a, Decimal b) {
  std::int32_t scale = std::max(a.scale, b.scale);
  Wide sum = Wide(a.mantissa) * pow10(scale - a.scale) + Wide(b.mantissa) * pow10(scale - b.scale);
  return narrow(sum, scale);
}

std::optional<Decimal> subtract(Decimal a, Decimal b) {
  std::int32_t scale = std::max(a.scale, b.scale);
  Wide difference =
      Wide(a.mantissa) * pow10(scale - a.scale) - Wide(b.mantissa) * pow10(scale - b.scale);
  return narrow(difference, scale);
}

std::optional<Decimal> multiply(Decimal a, Decimal b) {
  return narrow(Wide(a.mantissa) * Wide(b.mantissa), a.scale + b.scale);
}

std::optional<Decimal> divide(Decimal a, Decimal b) {
  if (b.mantissa == 0) return std::nullopt;
  std::int32_t places = std::max({kDivisionScale, a.scale, b.scale});
  // a/b = (a.m / 10^a.s) / (b.m / 10^b.s); scaled by 10^places (+1 digit for rounding):
  // q = a.m * 10^(b.s + places + 1 - a.s) / b.m. b.s + places + 1 <= 37 digits would overflow
  // with an 18-digit mantissa, so reduce the extra places until the numerator fits.
  Wide numerator = a.mantissa;
  std::int32_t shift = b.scale + places + 1 - a.scale;
  if (shift < 0) return std::nullopt;  // cannot happen: places >= a.scale
  const Wide limit = std::numeric_limits<Wide>::max() / 10;
  for (std::int32_t i = 0; i < shift; ++i) {
    if (numerator > limit || numerator < -limit) return std::nullopt;
    numerator *= 10;
  }
  Wide quotient = numerator / b.mantissa;  // truncated, one extra digit
  Wide last = quotient % 10;
  quotient /= 10;
  if (last >= 5) ++quotient;
  if (last <= -5) --quotient;
  auto result = narrow(quotient, places);
  if (!result) return std::nullopt;
  return strip_trailing_zeros(*result);
}

std::optional<Decimal> truncated_divide(Decimal a, Decimal b) {
  if (b.mantissa == 0) return std::nullopt;
  std::int32_t scale = std::max(a.scale, b.scale);
  Wide x = Wide(a.mantissa) * pow10(scale - a.scale);
  Wide y = Wide(b.mantissa) * pow10(scale - b.scale);
  return narrow(x / y, 0);
}

std::optional<Decimal> modulo(Decimal a, Decimal b) {
  if (b.mantissa == 0) return std::nullopt;
  std::int32_t scale = std::max(a.scale, b.scale);
  Wide x = Wide(a.mantissa) * pow10(scale - a.scale);
  Wide y = Wide(b.mantissa) * pow10(scale - b.scale);
  return narrow(x % y, scale);
}

int compare(Decimal a, Decimal b) {
  std::int32_t scale = std::max(a.scale, b.scale);
  Wide x = Wide(a.mantissa) * pow10(scale - a.scale);
  Wide y = Wide(b.mantissa) * pow10(scale - b.scale);
  return x < y ? -1 : (x > y ? 1 : 0);
}

bool is_zero(Decimal value) { return value.mantissa == 0; }

std::optional<std::int64_t> to_integer(Decimal value) {
  Decimal stripped = strip_trailing_zeros(value);
  if (stripped.scale != 0) return std::nullopt;
  return stripped.mantissa;
}

}  // namespace socialrx::fhir::fhirpath
