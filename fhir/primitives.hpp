#pragma once
// Lexical checks for the FHIR R4 primitive types: the spec's regexes (see TypeDef::regex in the
// generated schema; tests/fhir/primitives_test.cpp checks these hand-written matchers against
// them) plus what a regex cannot say: calendar dates, integer ranges, time zones on instants.
// Hand-written because std::regex is far too slow for the validation hot path.

#include <cstdint>
#include <optional>
#include <string_view>

namespace socialrx::fhir {

enum class Primitive : std::uint8_t {
  boolean,
  integer,
  string,
  decimal,
  uri,
  url,
  canonical,
  base64Binary,
  instant,
  date,
  dateTime,
  time,
  code,
  oid,
  id,
  markdown,
  unsignedInt,
  positiveInt,
  uuid,
  xhtml,
};

std::optional<Primitive> primitive_from_name(std::string_view type_name);
std::string_view primitive_name(Primitive primitive);

// How the primitive is written in FHIR JSON.
enum class JsonForm : std::uint8_t { boolean, number, string };
// Inline: the validator asks for every primitive value.
inline JsonForm json_form(Primitive primitive) {
  switch (primitive) {
    case Primitive::boolean:
      return JsonForm::boolean;
    case Primitive::integer:
    case Primitive::decimal:
    case Primitive::unsignedInt:
    case Primitive::positiveInt:
      return JsonForm::number;
    default:
      return JsonForm::string;
  }
}

// Checks the text of a JSON string or the literal of a JSON number against the type's lexical
// rules. Returns an empty view when the value is valid, otherwise why it is not (a phrase that
// follows "the value ", e.g. "is not a valid date: there is no day 30 in that month"). The reason
// never quotes the value, so it is safe to log.
std::string_view check_primitive(Primitive primitive, std::string_view text);

// R4 limits string and markdown values to 1 MiB (1,048,576 characters); longer ones are
// reported as too-long rather than as a lexical error, so this is a separate check.
bool exceeds_max_length_slow(Primitive primitive, std::string_view text);
// Inline for the common case: no more bytes than the limit has characters.
inline bool exceeds_max_length(Primitive primitive, std::string_view text) {
  return text.size() > 1024 * 1024 && exceeds_max_length_slow(primitive, text);
}

}  // namespace socialrx::fhir
