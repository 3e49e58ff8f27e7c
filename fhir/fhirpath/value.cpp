#include "fhir/fhirpath/value.hpp"

#include <cctype>

#include "fhir/date_time.hpp"

namespace socialrx::fhir::fhirpath {

namespace {

struct TypeName {
  std::string_view suffix;  // as in valueDateTime
  std::string_view name;    // as FHIR spells the type
  FhirType type;
};

constexpr TypeName kTypeNames[] = {
    {"Boolean", "boolean", FhirType::boolean},
    {"Integer", "integer", FhirType::integer},
    {"Decimal", "decimal", FhirType::decimal},
    {"String", "string", FhirType::string},
    {"Uri", "uri", FhirType::uri},
    {"Code", "code", FhirType::code},
    {"Date", "date", FhirType::date},
    {"DateTime", "dateTime", FhirType::date_time},
    {"Time", "time", FhirType::time},
    {"Coding", "Coding", FhirType::coding},
    {"Quantity", "Quantity", FhirType::quantity},
    {"Reference", "Reference", FhirType::reference},
    {"Attachment", "Attachment", FhirType::attachment},
    {"CodeableConcept", "CodeableConcept", FhirType::codeable_concept},
};

// Calendar ranges of two date/dateTime texts; nullopt when one does not parse.
std::optional<std::pair<TimeRange, TimeRange>> ranges(const Item& a, const Item& b) {
  auto ra = time_range(a.text());
  auto rb = time_range(b.text());
  if (!ra || !rb) return std::nullopt;
  return std::make_pair(*ra, *rb);
}

// Dates of different precision are equal or ordered only when their periods do not overlap.
std::optional<int> compare_dates(const Item& a, const Item& b) {
  auto both = ranges(a, b);
  if (!both) {
    // Unparseable (should not happen for validated input): compare as text of equal length.
    if (a.text().size() != b.text().size()) return std::nullopt;
    int c = a.text().compare(b.text());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  const auto& [x, y] = *both;
  if (x.low_ms == y.low_ms && x.high_ms == y.high_ms) return 0;
  if (x.high_ms < y.low_ms) return -1;
  if (x.low_ms > y.high_ms) return 1;
  return std::nullopt;
}

bool is_date_kind(Kind kind) { return kind == Kind::date || kind == Kind::date_time; }

std::string normalize_whitespace_lower(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

}  // namespace

FhirType fhir_type_from_suffix(std::string_view suffix) {
  for (const TypeName& entry : kTypeNames) {
    if (entry.suffix == suffix) return entry.type;
  }
  return FhirType::unknown;
}

std::string_view fhir_type_name(FhirType type) {
  for (const TypeName& entry : kTypeNames) {
    if (entry.type == type) return entry.name;
  }
  return type == FhirType::resource ? "Resource" : "";
}

std::optional<Item> value_item(const json::Value& value, FhirType type, const json::Value* owner) {
  switch (value.kind()) {
    case json::Kind::boolean:
      return Item::boolean(value.as_bool()).with_fhir_type(type);
    case json::Kind::number: {
      std::string_view text = value.text();
      bool looks_decimal = text.find_first_of(".eE") != std::string_view::npos;
      auto decimal = parse_decimal(text);
      if (!decimal) return std::nullopt;
      if (type == FhirType::decimal || (type != FhirType::integer && looks_decimal)) {
        return Item::decimal(*decimal).with_fhir_type(type);
      }
      auto integer = to_integer(*decimal);
      if (!integer) return std::nullopt;
      return Item::integer(*integer).with_fhir_type(type);
    }
    case json::Kind::string: {
      std::string_view text = value.text();
      Item item = type == FhirType::date        ? Item::date(text)
                  : type == FhirType::date_time ? Item::date_time(text)
                  : type == FhirType::time      ? Item::time(text)
                                                : Item::string(text);
      return item.with_fhir_type(type);
    }
    case json::Kind::object:
      return Item::node(&value, owner,
                        value.find("resourceType") != nullptr ? FhirType::resource : type);
    default:
      return std::nullopt;
  }
}

std::optional<bool> items_equal(const Item& a, const Item& b) {
  if (a.is_number() && b.is_number()) {
    if (a.kind() == Kind::integer && b.kind() == Kind::integer) {
      return a.as_integer() == b.as_integer();
    }
    return compare(a.number(), b.number()) == 0;
  }
  if (is_date_kind(a.kind()) && is_date_kind(b.kind())) {
    auto c = compare_dates(a, b);
    if (!c) return std::nullopt;
    return *c == 0;
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Kind::boolean:
      return a.as_boolean() == b.as_boolean();
    case Kind::string:
      return a.text() == b.text();
    case Kind::time:
      if (a.text().size() != b.text().size()) return std::nullopt;
      return a.text() == b.text();
    case Kind::node:
      return &a.json() == &b.json() || json::equal_ignoring_member_order(a.json(), b.json());
    default:
      return false;
  }
}

bool items_equivalent(const Item& a, const Item& b) {
  if (a.is_number() && b.is_number()) {
    // At the precision of the less precise operand.
    Decimal x = a.number();
    Decimal y = b.number();
    while (x.scale > y.scale) {
      x = Decimal{x.mantissa / 10 + ((x.mantissa % 10 >= 5) ? 1 : 0) -
                      ((x.mantissa % 10 <= -5) ? 1 : 0),
                  x.scale - 1};
    }
    while (y.scale > x.scale) {
      y = Decimal{y.mantissa / 10 + ((y.mantissa % 10 >= 5) ? 1 : 0) -
                      ((y.mantissa % 10 <= -5) ? 1 : 0),
                  y.scale - 1};
    }
    return compare(x, y) == 0;
  }
  if (a.kind() == Kind::string && b.kind() == Kind::string) {
    return normalize_whitespace_lower(a.text()) == normalize_whitespace_lower(b.text());
  }
  auto equal = items_equal(a, b);
  return equal.value_or(false);
}

std::optional<int> compare_items(const Item& a, const Item& b, bool* comparable) {
  *comparable = true;
  if (a.is_number() && b.is_number()) {
    if (a.kind() == Kind::integer && b.kind() == Kind::integer) {
      return a.as_integer() < b.as_integer() ? -1 : (a.as_integer() > b.as_integer() ? 1 : 0);
    }
    return compare(a.number(), b.number());
  }
  if (a.kind() == Kind::string && b.kind() == Kind::string) {
    int c = a.text().compare(b.text());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (is_date_kind(a.kind()) && is_date_kind(b.kind())) return compare_dates(a, b);
  if (a.kind() == Kind::time && b.kind() == Kind::time) {
    if (a.text().size() != b.text().size()) return std::nullopt;
    int c = a.text().compare(b.text());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  *comparable = false;
  return std::nullopt;
}

std::optional<std::string> to_string(const Item& item) {
  switch (item.kind()) {
    case Kind::boolean:
      return std::string(item.as_boolean() ? "true" : "false");
    case Kind::integer:
      return std::to_string(item.as_integer());
    case Kind::decimal:
      return to_text(item.as_decimal());
    case Kind::string:
    case Kind::date:
    case Kind::date_time:
    case Kind::time:
      return std::string(item.text());
    case Kind::node:
      return std::nullopt;
  }
  return std::nullopt;
}

std::string describe(Items items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    const Item& item = items[i];
    switch (item.kind()) {
      case Kind::string:
        out += "'" + std::string(item.text()) + "'";
        break;
      case Kind::date:
      case Kind::date_time:
      case Kind::time:
        out += "@" + std::string(item.text());
        break;
      case Kind::node:
        out += json::serialize(item.json());
        break;
      default:
        out += *to_string(item);
    }
  }
  return out + "]";
}

}  // namespace socialrx::fhir::fhirpath
