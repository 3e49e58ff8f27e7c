#include "plugins/hl7v2/mapping_position.hpp"

#include <cctype>
#include <charconv>

#include "fhir/text_normalize.hpp"

namespace socialrx::plugins::hl7v2::mapping {
namespace {

bool is_id_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Reads a positive number at text[at…]; advances `at`. HL7 positions stay far below 1000.
std::optional<int> read_number(std::string_view text, std::size_t& at) {
  int value = 0;
  const char* begin = text.data() + at;
  auto [end, error] = std::from_chars(begin, text.data() + text.size(), value);
  if (error != std::errc() || end == begin || value < 1 || value > 999) return std::nullopt;
  at += static_cast<std::size_t>(end - begin);
  return value;
}

}  // namespace

bool is_segment_id(std::string_view text) {
  return text.size() == 3 && is_id_char(text[0]) && is_id_char(text[1]) && is_id_char(text[2]);
}

std::optional<FieldPosition> parse_position(std::string_view text, std::string& problem) {
  problem = "'" + std::string(text) + "' is not an HL7 position like PID-5, PID-5[2].1 or PID-13[*]";
  if (text.size() < 5 || !is_segment_id(text.substr(0, 3)) || text[3] != '-') return std::nullopt;
  FieldPosition position;
  position.segment = std::string(text.substr(0, 3));
  std::size_t at = 4;
  std::optional<int> field = read_number(text, at);
  if (!field) return std::nullopt;
  position.field = *field;
  if (at < text.size() && text[at] == '[') {
    ++at;
    if (at < text.size() && text[at] == '*') {
      position.repetition = 0;
      ++at;
    } else {
      std::optional<int> repetition = read_number(text, at);
      if (!repetition) return std::nullopt;
      position.repetition = *repetition;
    }
    if (at >= text.size() || text[at] != ']') return std::nullopt;
    ++at;
  }
  for (int* part : {&position.component, &position.subcomponent}) {
    if (at >= text.size()) break;
    if (text[at] != '.') return std::nullopt;
    ++at;
    std::optional<int> number = read_number(text, at);
    if (!number) return std::nullopt;
    *part = *number;
  }
  if (at != text.size()) return std::nullopt;
  problem.clear();
  return position;
}

std::string location_of(const FieldPosition& position, int repetition) {
  std::string out = position.segment + "-" + std::to_string(position.field);
  if (repetition > 1) out += "[" + std::to_string(repetition) + "]";
  if (position.component > 0) out += "." + std::to_string(position.component);
  if (position.subcomponent > 0) out += "." + std::to_string(position.subcomponent);
  return out;
}

std::string_view read_value(const Message& message, std::size_t segment,
                            const FieldPosition& position, int repetition) {
  const int component = position.component > 0 ? position.component : 1;
  const int subcomponent = position.subcomponent > 0 ? position.subcomponent : 1;
  if (message.is_explicit_null(segment, position.field, repetition, component, subcomponent)) {
    return {};
  }
  return fhir::jp::trim_padding(
      message.value(segment, position.field, repetition, component, subcomponent));
}

int repetitions_of(const Message& message, std::size_t segment, const FieldPosition& position) {
  return message.repetition_count(segment, position.field);
}

}  // namespace socialrx::plugins::hl7v2::mapping
