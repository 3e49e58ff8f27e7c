#pragma once
// Message::Data: the parsed message as flat tables (private to message.cpp and parser.cpp).
//
// Every subcomponent's unescaped UTF-8 text sits in one string, back to back; components,
// repetitions, fields and segments are index ranges over the level below. A few allocations per
// message instead of one per value, and value() is a handful of index look-ups.

#include <cstdint>
#include <string>
#include <vector>

#include "plugins/hl7v2/message.hpp"

namespace socialrx::plugins::hl7v2 {

struct Message::Data {
  struct Range {
    std::uint32_t first = 0;
    std::uint32_t count = 0;
  };
  struct Value {
    std::uint32_t offset = 0;  // into text
    std::uint32_t length = 0;
    bool explicit_null = false;  // sent as `""`
  };
  struct Segment {
    std::string id;
    Range fields;  // into fields; field n of the segment is fields.first + n - 1
  };

  Delimiters delimiters;
  std::string declared_charset;
  std::string decoded_charset;
  std::string text;
  std::vector<Value> subcomponents;
  std::vector<Range> components;   // each: a range of subcomponents
  std::vector<Range> repetitions;  // each: a range of components
  std::vector<Range> fields;       // each: a range of repetitions
  std::vector<Segment> segments;
};

}  // namespace socialrx::plugins::hl7v2
