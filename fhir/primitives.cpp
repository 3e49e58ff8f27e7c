#include "fhir/primitives.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <utility>

namespace socialrx::fhir {
namespace {

// The spec's regexes are XML Schema regexes: \s is exactly space, tab, CR and LF (so U+3000, the
// full-width space of Japanese text, is an ordinary non-space character, unlike in JavaScript).
constexpr bool is_xsd_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Where the first XSD space may be: the start of the first 8-byte block with a byte below 0x21
// (every XSD space is), else where the bytes after the last whole block begin. Everything before
// it has no space. uri and code values (a system URL per Coding) are checked 8 bytes a step.
std::size_t space_free_prefix(std::string_view text) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  std::size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, text.data() + i, 8);
    // Non-zero exactly when some byte is below 0x21 (bytes >= 0x80 never count).
    if (((word - 0x21 * kOnes) & ~word & 0x80 * kOnes) != 0) break;
  }
  return i;
}

constexpr std::array<std::pair<std::string_view, Primitive>, 20> kNames{{
    {"boolean", Primitive::boolean},
    {"integer", Primitive::integer},
    {"string", Primitive::string},
    {"decimal", Primitive::decimal},
    {"uri", Primitive::uri},
    {"url", Primitive::url},
    {"canonical", Primitive::canonical},
    {"base64Binary", Primitive::base64Binary},
    {"instant", Primitive::instant},
    {"date", Primitive::date},
    {"dateTime", Primitive::dateTime},
    {"time", Primitive::time},
    {"code", Primitive::code},
    {"oid", Primitive::oid},
    {"id", Primitive::id},
    {"markdown", Primitive::markdown},
    {"unsignedInt", Primitive::unsignedInt},
    {"positiveInt", Primitive::positiveInt},
    {"uuid", Primitive::uuid},
    {"xhtml", Primitive::xhtml},
}};

// A small cursor over the text, for the date and time grammars.
struct Cursor {
  std::string_view text;
  std::size_t pos = 0;

  bool done() const { return pos == text.size(); }
  bool take(char c) {
    if (pos < text.size() && text[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }
  // Exactly n digits; their value in *out.
  bool digits(int n, int* out) {
    if (text.size() - pos < static_cast<std::size_t>(n)) return false;
    int value = 0;
    for (int i = 0; i < n; ++i) {
      const char c = text[pos + static_cast<std::size_t>(i)];
      if (!is_digit(c)) return false;
      value = value * 10 + (c - '0');
    }
    pos += static_cast<std::size_t>(n);
    *out = value;
    return true;
  }
  // One or more digits (a fraction of a second).
  bool some_digits() {
    const std::size_t start = pos;
    while (pos < text.size() && is_digit(text[pos])) ++pos;
    return pos > start;
  }
};

constexpr bool is_leap_year(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

constexpr int days_in_month(int year, int month) {
  constexpr std::array<int, 12> kDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap_year(year) ? 29 : kDays[static_cast<std::size_t>(month - 1)];
}

constexpr std::string_view kNotDate = "is not a valid date (YYYY, YYYY-MM or YYYY-MM-DD)";
constexpr std::string_view kNoSuchDay = "is not a valid date: that day does not exist in that month";

// YYYY[-MM[-DD]] (how far is allowed depends on the caller). Returns a reason or empty.
std::string_view parse_date_part(Cursor& cursor, bool need_full_date, int* parts) {
  int year = 0;
  int month = 0;
  int day = 0;
  *parts = 0;
  if (!cursor.digits(4, &year)) return kNotDate;
  if (year == 0) return "is not a valid date: year 0000 does not exist";
  *parts = 1;
  if (!cursor.take('-')) return need_full_date ? kNotDate : std::string_view();
  if (!cursor.digits(2, &month) || month < 1 || month > 12) return "has an invalid month";
  *parts = 2;
  if (!cursor.take('-')) return need_full_date ? kNotDate : std::string_view();
  if (!cursor.digits(2, &day) || day < 1) return "has an invalid day";
  if (day > days_in_month(year, month)) return kNoSuchDay;
  *parts = 3;
  return {};
}

// hh:mm:ss[.fff]
std::string_view parse_time_part(Cursor& cursor) {
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (!cursor.digits(2, &hour) || !cursor.take(':') || !cursor.digits(2, &minute) ||
      !cursor.take(':') || !cursor.digits(2, &second)) {
    return "is not a valid time (hh:mm:ss with an optional fraction)";
  }
  if (hour > 23 || minute > 59 || second > 60) return "is not a valid time of day";
  if (cursor.take('.') && !cursor.some_digits()) return "has an empty fraction of a second";
  return {};
}

// Z | (+|-)hh:mm, from -14:00 to +14:00 as the spec's regex allows.
std::string_view parse_zone(Cursor& cursor) {
  if (cursor.take('Z')) return {};
  if (!cursor.take('+') && !cursor.take('-')) return "needs a time zone (Z or +hh:mm)";
  int hours = 0;
  int minutes = 0;
  if (!cursor.digits(2, &hours) || !cursor.take(':') || !cursor.digits(2, &minutes) ||
      minutes > 59 || hours > 14 || (hours == 14 && minutes != 0)) {
    return "has an invalid time zone offset";
  }
  return {};
}

std::string_view check_date(std::string_view text) {
  Cursor cursor{text};
  int parts = 0;
  std::string_view reason = parse_date_part(cursor, false, &parts);
  if (!reason.empty()) return reason;
  return cursor.done() ? std::string_view() : kNotDate;
}

std::string_view check_date_time(std::string_view text, bool instant) {
  Cursor cursor{text};
  int parts = 0;
  std::string_view reason = parse_date_part(cursor, instant, &parts);
  if (!reason.empty()) return reason;
  if (cursor.done() && !instant) return {};
  if (parts != 3 || !cursor.take('T')) {
    return instant ? "is not a valid instant (YYYY-MM-DDThh:mm:ss[.fff]+zz:zz)"
                   : "is not a valid dateTime";
  }
  reason = parse_time_part(cursor);
  if (!reason.empty()) return reason;
  reason = parse_zone(cursor);
  if (!reason.empty()) return reason;
  return cursor.done() ? std::string_view() : "has unexpected characters after the time zone";
}

std::string_view check_time(std::string_view text) {
  Cursor cursor{text};
  std::string_view reason = parse_time_part(cursor);
  if (!reason.empty()) return reason;
  return cursor.done() ? std::string_view() : "is not a valid time";
}

// -?(0|[1-9][0-9]*) within the 32-bit signed range; unsigned forms reject the sign.
std::string_view check_integer(std::string_view text, std::int64_t minimum) {
  const bool sign_allowed = minimum < 0;  // unsignedInt and positiveInt have no sign at all
  std::string_view digits = sign_allowed && text.starts_with('-') ? text.substr(1) : text;
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), is_digit) ||
      (digits.size() > 1 && digits.front() == '0')) {
    return "is not an integer (no fraction, exponent or leading zero)";
  }
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value > 2147483647 ||
      value < -2147483648LL) {
    return "is outside the 32-bit integer range";
  }
  if (value < minimum) return minimum == 0 ? "must not be negative" : "must be 1 or more";
  return {};
}

std::string_view check_decimal(std::string_view text) {
  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? : the JSON number grammar, which the JSON
  // reader already enforced for number literals; checked again for decimals given as text.
  Cursor cursor{text};
  cursor.take('-');
  if (cursor.take('0')) {
  } else if (!cursor.done() && text[cursor.pos] >= '1' && text[cursor.pos] <= '9') {
    cursor.some_digits();
  } else {
    return "is not a decimal number";
  }
  if (cursor.take('.') && !cursor.some_digits()) return "is not a decimal number";
  if (cursor.take('e') || cursor.take('E')) {
    if (!cursor.take('+')) cursor.take('-');
    if (!cursor.some_digits()) return "is not a decimal number";
  }
  return cursor.done() ? std::string_view() : "is not a decimal number";
}

std::string_view check_code(std::string_view text) {
  // [^\s]+(\s[^\s]+)* : no leading, trailing or doubled whitespace.
  if (text.empty()) return "must not be empty";
  if (is_xsd_space(text.front()) || is_xsd_space(text.back())) {
    return "is not a valid code: it starts or ends with whitespace";
  }
  for (std::size_t i = std::max<std::size_t>(1, space_free_prefix(text)); i < text.size(); ++i) {
    if (is_xsd_space(text[i]) && is_xsd_space(text[i - 1])) {
      return "is not a valid code: it contains consecutive whitespace";
    }
  }
  return {};
}

std::string_view check_uri(std::string_view text) {
  // \S* ; an empty string is not a value at all in FHIR JSON (ele-1).
  if (text.empty()) return "must not be empty";
  for (char c : text.substr(space_free_prefix(text))) {
    if (is_xsd_space(c)) return "is not a valid URI: it contains whitespace";
  }
  return {};
}

std::string_view check_id(std::string_view text) {
  if (text.empty() || text.size() > 64) return "is not a valid id (1 to 64 characters)";
  for (char c : text) {
    const bool ok = is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' ||
                    c == '.';
    if (!ok) return "is not a valid id (only A-Z, a-z, 0-9, '-' and '.')";
  }
  return {};
}

std::string_view check_oid(std::string_view text) {
  // urn:oid:[0-2](\.(0|[1-9][0-9]*))+
  constexpr std::string_view kPrefix = "urn:oid:";
  constexpr std::string_view kReason = "is not a valid OID (urn:oid:1.2.3...)";
  if (!text.starts_with(kPrefix)) return kReason;
  std::string_view rest = text.substr(kPrefix.size());
  if (rest.size() < 3 || rest[0] < '0' || rest[0] > '2') return kReason;
  rest.remove_prefix(1);
  while (!rest.empty()) {
    if (rest[0] != '.' || rest.size() < 2 || !is_digit(rest[1])) return kReason;
    std::size_t n = 1;
    while (n < rest.size() && is_digit(rest[n])) ++n;
    if (n > 2 && rest[1] == '0') return kReason;  // no leading zeros
    rest.remove_prefix(n);
  }
  return {};
}

std::string_view check_uuid(std::string_view text) {
  // urn:uuid:8-4-4-4-12 lowercase hex
  constexpr std::string_view kPrefix = "urn:uuid:";
  constexpr std::string_view kReason = "is not a valid UUID (urn:uuid: and 36 lowercase hex digits)";
  if (!text.starts_with(kPrefix) || text.size() != kPrefix.size() + 36) return kReason;
  std::string_view rest = text.substr(kPrefix.size());
  for (std::size_t i = 0; i < rest.size(); ++i) {
    const char c = rest[i];
    const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_position ? c != '-' : !(is_digit(c) || (c >= 'a' && c <= 'f'))) return kReason;
  }
  return {};
}

std::string_view check_base64(std::string_view text) {
  // (\s*([0-9a-zA-Z\+/=]){4}\s*)+ : whitespace only between groups of four characters (as
  // MIME's 76-character lines are); additionally '=' only as padding at the very end.
  std::size_t count = 0;
  std::size_t padding = 0;
  for (char c : text) {
    if (is_xsd_space(c)) {
      if (count % 4 != 0) return "is not valid base64: whitespace inside a group of four";
      continue;
    }
    const bool alphabet = is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                          c == '+' || c == '/';
    if (c == '=') {
      ++padding;
    } else if (!alphabet || padding > 0) {
      return "is not valid base64";
    }
    ++count;
  }
  if (count == 0 || count % 4 != 0 || padding > 2) return "is not valid base64";
  return {};
}

std::string_view check_string(std::string_view text) {
  // [ \r\n\t\S]+ : any non-empty text (the length limit is exceeds_max_length's job).
  if (text.empty()) return "must not be empty";
  return {};
}

std::string_view check_xhtml(std::string_view text) {
  // The narrative must be a single XHTML div (txt-1, txt-2 need a full XHTML check, which the
  // gateway does not do: it never renders narrative).
  std::size_t start = 0;
  while (start < text.size() && is_xsd_space(text[start])) ++start;
  if (text.compare(start, 4, "<div") != 0) return "is not XHTML starting with a <div> element";
  std::size_t end = text.size();
  while (end > start && is_xsd_space(text[end - 1])) --end;
  const std::string_view trimmed = text.substr(start, end - start);
  if (!trimmed.ends_with("</div>") && !trimmed.ends_with("/>")) {
    return "is not XHTML ending with </div>";
  }
  return {};
}

}  // namespace

std::optional<Primitive> primitive_from_name(std::string_view type_name) {
  for (const auto& [name, primitive] : kNames) {
    if (name == type_name) return primitive;
  }
  return std::nullopt;
}

std::string_view primitive_name(Primitive primitive) {
  for (const auto& [name, candidate] : kNames) {
    if (candidate == primitive) return name;
  }
  return {};
}

bool exceeds_max_length_slow(Primitive primitive, std::string_view text) {
  constexpr std::size_t kMaxCharacters = 1024 * 1024;
  if (primitive != Primitive::string && primitive != Primitive::markdown) return false;
  if (text.size() <= kMaxCharacters) return false;  // never more characters than bytes
  // Count UTF-8 code points: every byte that is not a continuation byte starts one.
  const auto characters = std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  });
  return static_cast<std::size_t>(characters) > kMaxCharacters;
}

std::string_view check_primitive(Primitive primitive, std::string_view text) {
  switch (primitive) {
    case Primitive::boolean:
      return text == "true" || text == "false" ? std::string_view() : "is not a boolean";
    case Primitive::integer:
      return check_integer(text, -2147483648LL);
    case Primitive::unsignedInt:
      return check_integer(text, 0);
    case Primitive::positiveInt:
      return check_integer(text, 1);
    case Primitive::decimal:
      return check_decimal(text);
    case Primitive::string:
    case Primitive::markdown:
      return check_string(text);
    case Primitive::uri:
    case Primitive::url:
    case Primitive::canonical:
      return check_uri(text);
    case Primitive::base64Binary:
      return check_base64(text);
    case Primitive::instant:
      return check_date_time(text, true);
    case Primitive::date:
      return check_date(text);
    case Primitive::dateTime:
      return check_date_time(text, false);
    case Primitive::time:
      return check_time(text);
    case Primitive::code:
      return check_code(text);
    case Primitive::oid:
      return check_oid(text);
    case Primitive::id:
      return check_id(text);
    case Primitive::uuid:
      return check_uuid(text);
    case Primitive::xhtml:
      return check_xhtml(text);
  }
  return "has an unknown type";
}

}  // namespace socialrx::fhir
