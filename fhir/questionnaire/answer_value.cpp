#include "fhir/questionnaire/answer_value.hpp"

#include <array>
#include <utility>

namespace socialrx::fhir::questionnaire {
namespace {

constexpr std::array<std::pair<std::string_view, ValueType>, 12> kSuffixes{{
    {"Boolean", ValueType::boolean},
    {"Decimal", ValueType::decimal},
    {"Integer", ValueType::integer},
    {"Date", ValueType::date},
    {"DateTime", ValueType::dateTime},
    {"Time", ValueType::time},
    {"String", ValueType::string},
    {"Uri", ValueType::uri},
    {"Coding", ValueType::coding},
    {"Quantity", ValueType::quantity},
    {"Reference", ValueType::reference},
    {"Attachment", ValueType::attachment},
}};

ValueType type_of_suffix(std::string_view suffix) {
  for (const auto& [name, type] : kSuffixes) {
    if (name == suffix) return type;
  }
  return ValueType::none;
}

}  // namespace

std::string_view value_type_suffix(ValueType type) {
  for (const auto& [name, candidate] : kSuffixes) {
    if (candidate == type) return name;
  }
  return {};
}

TypedValue find_choice(const json::Value& object, std::string_view prefix) {
  for (const json::Member& member : object.members()) {
    // A choice element is the prefix followed by a capitalised type name.
    // The first byte before the rest: most members of an answer or item do not start alike.
    if (member.key.size() <= prefix.size() || (!prefix.empty() && member.key[0] != prefix[0]) ||
        !member.key.starts_with(prefix)) {
      continue;
    }
    const char first = member.key[prefix.size()];
    if (first < 'A' || first > 'Z') continue;
    TypedValue found;
    found.type = type_of_suffix(member.key.substr(prefix.size()));
    found.node = &member.value;
    found.element = member.key;
    return found;
  }
  return {};
}

// One pass over the members (this runs for every coded answer).
CodingView coding_of(const json::Value& coding) {
  CodingView view;
  for (const json::Member& member : coding.members()) {
    if (!member.value.is_string()) continue;
    if (member.key == "code") {
      view.code = member.value.text();
    } else if (member.key == "system") {
      view.system = member.value.text();
    } else if (member.key == "display") {
      view.display = member.value.text();
    }
  }
  return view;
}

}  // namespace socialrx::fhir::questionnaire
