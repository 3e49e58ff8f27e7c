#pragma once
// An HL7 v2 message after parsing: UTF-8 text, escapes resolved, addressed the way HL7 does.
//
// Positions are 1-based as in the standard: PID-5 is field 5 of PID; for MSH, MSH-1 is the field
// separator itself and MSH-2 the encoding characters, so MSH-9 is the message type as everywhere.
// A value is the text of one subcomponent (PID-5[2].1.1 = the family name in the second
// repetition); asking for a field, component or subcomponent that is not there gives "" — HL7 does
// not distinguish absent from empty except for the explicit null "" (two double quotes), which
// is_explicit_null() reports.
//
// The message owns its text; string_views it hands out live as long as the Message.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace socialrx::plugins::hl7v2 {

// The separators MSH-1 and MSH-2 declare ("|^~\&" by default; a fifth, truncation, is ignored).
struct Delimiters {
  char field = '|';
  char component = '^';
  char repetition = '~';
  char escape = '\\';
  char subcomponent = '&';
};

// Where a value is, as an issue location says it: "PID-5[2].1" (repetition only when > 1,
// component/subcomponent only when asked for).
struct Position {
  std::string segment;   // "PID"
  int field = 0;         // 1-based
  int repetition = 1;    // 1-based
  int component = 0;     // 0: the whole field repetition
  int subcomponent = 0;  // 0: the whole component
};
std::string to_string(const Position& position);

class Message {
 public:
  // The segments in order; their ids ("MSH", "PID", "ZPI").
  std::size_t segment_count() const;
  std::string_view segment_id(std::size_t index) const;

  // The first segment with this id at or after `from`, or nullopt.
  std::optional<std::size_t> find(std::string_view segment_id, std::size_t from = 0) const;

  // Number of fields in a segment (MSH counts MSH-1), and repetitions of a field (0 when empty).
  int field_count(std::size_t segment) const;
  int repetition_count(std::size_t segment, int field) const;
  int component_count(std::size_t segment, int field, int repetition = 1) const;

  // One subcomponent's text, unescaped (\F\ \S\ \T\ \R\ \E\ \Xhh\ resolved; \.br\ → "\n").
  // component and subcomponent 1 also give the whole value of a field that has none.
  std::string_view value(std::size_t segment, int field, int repetition = 1, int component = 1,
                         int subcomponent = 1) const;
  // True when that value is HL7's explicit null `""` (delete the value at the receiver).
  bool is_explicit_null(std::size_t segment, int field, int repetition = 1, int component = 1,
                        int subcomponent = 1) const;

  const Delimiters& delimiters() const;
  // MSH-18 as sent ("~ISO IR87"), and the charset the bytes were decoded from ("ISO-2022-JP").
  std::string_view declared_charset() const;
  std::string_view decoded_charset() const;

  // Internal representation (message.cpp), built only by parse() (parser.hpp); the public
  // accessors above are the contract the mapping engine and the ACK builder use.
  struct Data;
  explicit Message(std::shared_ptr<const Data> data);

 private:
  std::shared_ptr<const Data> data_;
};

}  // namespace socialrx::plugins::hl7v2
