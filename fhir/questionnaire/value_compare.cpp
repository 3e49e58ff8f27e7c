#include "fhir/questionnaire/value_compare.hpp"

#include <charconv>
#include <cstdint>
#include <optional>

#include "fhir/date_time.hpp"

namespace socialrx::fhir::questionnaire {
namespace {

bool is_number(ValueType type) { return type == ValueType::integer || type == ValueType::decimal; }
bool is_date(ValueType type) { return type == ValueType::date || type == ValueType::dateTime; }
bool is_text(ValueType type) { return type == ValueType::string || type == ValueType::uri; }

template <typename T>
Ordering order(T a, T b) {
  return a < b ? Ordering::less : (b < a ? Ordering::greater : Ordering::equal);
}

std::optional<double> decimal_of(std::string_view text) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

Ordering compare_numbers(const json::Value& a, const json::Value& b, bool both_integers) {
  const std::string_view x = a.text(), y = b.text();
  if (both_integers) {
    std::int64_t i = 0, j = 0;
    if (std::from_chars(x.data(), x.data() + x.size(), i).ec == std::errc() &&
        std::from_chars(y.data(), y.data() + y.size(), j).ec == std::errc()) {
      return order(i, j);
    }
  }
  const auto i = decimal_of(x), j = decimal_of(y);
  if (!i || !j) return Ordering::indeterminate;
  return order(*i, *j);
}

// Periods: equal when they are the same period, ordered when they do not overlap, otherwise
// (different precision, overlapping) indeterminate, as FHIRPath compares partial dates.
Ordering compare_dates(std::string_view a, std::string_view b) {
  const auto x = time_range(a), y = time_range(b);
  if (!x || !y) return Ordering::indeterminate;
  if (x->low_ms == y->low_ms && x->high_ms == y->high_ms) return Ordering::equal;
  if (x->high_ms < y->low_ms) return Ordering::less;
  if (x->low_ms > y->high_ms) return Ordering::greater;
  return Ordering::indeterminate;
}

// "10:00:00.50" is the same time as "10:00:00.5" and "10:00:00": drop a fraction's trailing
// zeros so that the fixed-width text compares in time order.
std::string_view trimmed_time(std::string_view time) {
  if (time.find('.') == std::string_view::npos) return time;
  while (time.ends_with('0')) time.remove_suffix(1);
  if (time.ends_with('.')) time.remove_suffix(1);
  return time;
}

Ordering compare_codings(const json::Value& a, const json::Value& b) {
  return codings_match(coding_of(a), coding_of(b)) ? Ordering::equal : Ordering::different;
}

Ordering compare_quantities(const json::Value& a, const json::Value& b) {
  const json::Value* x = a.find("value");
  const json::Value* y = b.find("value");
  if (x == nullptr || y == nullptr || !x->is_number() || !y->is_number()) {
    return Ordering::indeterminate;
  }
  const std::string_view code_a = a.string_at("code"), code_b = b.string_at("code");
  const bool same_unit = (!code_a.empty() || !code_b.empty())
                             ? code_a == code_b && a.string_at("system") == b.string_at("system")
                             : a.string_at("unit") == b.string_at("unit");
  if (!same_unit) return Ordering::indeterminate;
  return compare_numbers(*x, *y, false);
}

}  // namespace

Ordering compare_values(const TypedValue& a, const TypedValue& b) {
  if (!a || !b) return Ordering::indeterminate;
  if (is_number(a.type) && is_number(b.type)) {
    return compare_numbers(*a.node, *b.node,
                           a.type == ValueType::integer && b.type == ValueType::integer);
  }
  if (is_date(a.type) && is_date(b.type)) return compare_dates(a.node->text(), b.node->text());
  if (is_text(a.type) && is_text(b.type)) return order(a.node->text(), b.node->text());
  if (a.type != b.type) return Ordering::indeterminate;
  switch (a.type) {
    case ValueType::boolean:
      return a.node->as_bool() == b.node->as_bool() ? Ordering::equal : Ordering::different;
    case ValueType::time:
      return order(trimmed_time(a.node->text()), trimmed_time(b.node->text()));
    case ValueType::coding: return compare_codings(*a.node, *b.node);
    case ValueType::quantity: return compare_quantities(*a.node, *b.node);
    case ValueType::reference:
      return a.node->string_at("reference") == b.node->string_at("reference") &&
                     !a.node->string_at("reference").empty()
                 ? Ordering::equal
                 : Ordering::different;
    default: return Ordering::indeterminate;
  }
}

}  // namespace socialrx::fhir::questionnaire
