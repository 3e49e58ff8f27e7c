#pragma once
// HL7 positions as a mapping file writes them: "PID-7", "PID-5[2].1", "PID-13[*]" (every
// repetition), "IN1-2.1", "PID-5.1.1" (subcomponent). Parsed once at load; read against a parsed
// Message at run time.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "plugins/hl7v2/message.hpp"

namespace socialrx::plugins::hl7v2::mapping {

struct FieldPosition {
  std::string segment;   // "PID"
  int field = 0;         // 1-based
  int repetition = 1;    // 1-based; 0 = every repetition ("[*]")
  int component = 0;     // 0: not given (the whole field repetition)
  int subcomponent = 0;  // 0: not given
  bool every_repetition() const { return repetition == 0; }
};

// Parses "SEG-F[R].C.S" (R a number or *, .C and .S optional); nullopt with `problem` set.
std::optional<FieldPosition> parse_position(std::string_view text, std::string& problem);

// A position that names only a segment ("IN1"): true when text is three letters/digits.
bool is_segment_id(std::string_view text);

// The issue location for one repetition: "PID-5[2].1" (the repetition only when > 1, as
// message.hpp's Position does).
std::string location_of(const FieldPosition& position, int repetition);

// The text at the position in segment `segment` (repetition `repetition` when the position
// says every one), with EHR padding (spaces, U+3000) trimmed; HL7's explicit null "" reads as
// empty (a PUT replaces the whole resource, so leaving the element out removes it).
std::string_view read_value(const Message& message, std::size_t segment,
                            const FieldPosition& position, int repetition);

// How many repetitions the position's field has in that segment (0 when empty).
int repetitions_of(const Message& message, std::size_t segment, const FieldPosition& position);

}  // namespace socialrx::plugins::hl7v2::mapping
