#pragma once
// One typed FHIR value as Questionnaires and responses carry it in a choice element
// (answerOption.value[x], enableWhen.answer[x], QuestionnaireResponse.item.answer.value[x],
// minValue/maxValue extensions): which type it is and the JSON node that holds it.

#include <cstdint>
#include <string_view>

#include "fhir/json.hpp"

namespace socialrx::fhir::questionnaire {

// The types a choice element in a Questionnaire or response can hold.
enum class ValueType : std::uint8_t {
  none,
  boolean,
  decimal,
  integer,
  date,
  dateTime,
  time,
  string,
  uri,
  coding,
  quantity,
  reference,
  attachment,
};

// "Integer", "DateTime"…: the suffix of a choice element (valueInteger, answerDateTime).
std::string_view value_type_suffix(ValueType type);

struct TypedValue {
  ValueType type = ValueType::none;
  const json::Value* node = nullptr;  // the primitive (string/number/bool) or the complex object
  std::string_view element;           // the member's key, e.g. "valueCoding" (for paths)

  explicit operator bool() const { return type != ValueType::none && node != nullptr; }
};

// The first `<prefix>[x]` member of an object, e.g. find_choice(answer, "value") finds
// valueCoding; none when there is none or its type is not one of ValueType.
TypedValue find_choice(const json::Value& object, std::string_view prefix);

// A Coding's parts (views into the document).
struct CodingView {
  std::string_view system;
  std::string_view code;
  std::string_view display;
};
CodingView coding_of(const json::Value& coding);

}  // namespace socialrx::fhir::questionnaire
