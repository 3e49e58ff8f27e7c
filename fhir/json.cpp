#include "fhir/json.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "fhir/json_checked_stream.hpp"

namespace socialrx::fhir::json {

// --- Document -----------------------------------------------------------------------------

Document::Document() : arena_(std::make_unique<ChunkArena>()) {}
Document::Document(Document&&) noexcept = default;
Document& Document::operator=(Document&&) noexcept = default;
Document::~Document() = default;

std::pmr::memory_resource* Document::arena() { return arena_.get(); }

std::string_view Document::intern(std::string_view text) {
  if (text.empty()) return {};
  auto* chars = static_cast<char*>(arena()->allocate(text.size(), 1));
  std::memcpy(chars, text.data(), text.size());
  return {chars, text.size()};
}

Value Document::make_string(std::string_view text) {
  Value value;
  value.kind_ = Kind::string;
  std::string_view stored = intern(text);
  value.chars_ = stored.data();
  value.size_ = static_cast<std::uint32_t>(stored.size());
  return value;
}

Value Document::make_number(std::string_view literal) {
  Value value = make_string(literal);
  value.kind_ = Kind::number;
  return value;
}

Value Document::make_bool(bool flag) {
  Value value;
  value.kind_ = Kind::boolean;
  value.size_ = flag ? 1 : 0;
  return value;
}

Value Document::make_array(std::span<const Value> items) {
  Value value;
  value.kind_ = Kind::array;
  value.size_ = static_cast<std::uint32_t>(items.size());
  if (!items.empty()) {
    auto* stored = static_cast<Value*>(arena()->allocate(items.size_bytes(), alignof(Value)));
    std::uninitialized_copy(items.begin(), items.end(), stored);
    value.items_ = stored;
  }
  return value;
}

Value Document::make_object(std::span<const Member> members) {
  Value value;
  value.kind_ = Kind::object;
  value.size_ = static_cast<std::uint32_t>(members.size());
  if (!members.empty()) {
    auto* stored = static_cast<Member*>(arena()->allocate(members.size_bytes(), alignof(Member)));
    std::uninitialized_copy(members.begin(), members.end(), stored);
    value.members_ = stored;
  }
  return value;
}

Value Document::copy(const Value& value) {
  switch (value.kind()) {
    case Kind::null:
      return Value();
    case Kind::boolean:
      return make_bool(value.as_bool());
    case Kind::number:
      return make_number(value.text());
    case Kind::string:
      return make_string(value.text());
    case Kind::array: {
      std::vector<Value> items;
      items.reserve(value.size());
      for (const Value& item : value.items()) items.push_back(copy(item));
      return make_array(items);
    }
    case Kind::object: {
      std::vector<Member> members;
      members.reserve(value.size());
      for (const Member& member : value.members()) {
        members.push_back({intern(member.key), copy(member.value)});
      }
      return make_object(members);
    }
  }
  return Value();
}

Value Document::with_member(const Value& object, std::string_view key, Value value) {
  std::vector<Member> members(object.members().begin(), object.members().end());
  bool replaced = false;
  for (Member& member : members) {
    if (member.key == key) {
      member.value = value;
      replaced = true;
      break;
    }
  }
  if (!replaced) members.push_back({intern(key), value});
  return make_object(members);
}

Value Document::without_member(const Value& object, std::string_view key) {
  std::vector<Member> members;
  members.reserve(object.size());
  for (const Member& member : object.members()) {
    if (member.key != key) members.push_back(member);
  }
  return make_object(members);
}

// --- Parsing ------------------------------------------------------------------------------

// SAX handler that builds Values on a stack; containers are moved into the arena when they close,
// the same way rapidjson::Document does it.
struct Parser {
  Document& document;
  std::uint32_t max_depth;
  std::vector<Value> values;
  std::vector<std::string_view> keys;
  std::uint32_t depth = 0;
  bool too_deep = false;
  // JSONC only: where each key ends, to tell the line of a key in error messages.
  rapidjson::InsituStringStream* stream = nullptr;  // Tell() is not const
  const std::vector<std::size_t>* newlines = nullptr;
  bool lone_surrogate = false;
  StringScan* strings = nullptr;  // what the stream saw in the string that just ended

  bool push(Value value) {
    values.push_back(value);
    return true;
  }
  bool Null() { return push(Value()); }
  bool Bool(bool flag) { return push(Document::make_bool(flag)); }
  // Only RawNumber is called with kParseNumbersAsStringsFlag; the others exist for the concept.
  bool Int(int) { return false; }
  bool Uint(unsigned) { return false; }
  bool Int64(std::int64_t) { return false; }
  bool Uint64(std::uint64_t) { return false; }
  bool Double(double) { return false; }
  bool RawNumber(const char* chars, rapidjson::SizeType length, bool) {
    return push(text_value(Kind::number, chars, length));
  }
  bool String(const char* chars, rapidjson::SizeType length, bool) {
    if (!well_formed(chars, length)) return false;
    return push(text_value(Kind::string, chars, length));
  }
  bool Key(const char* chars, rapidjson::SizeType length, bool) {
    if (!well_formed(chars, length)) return false;
    keys.emplace_back(chars, length);
    if (stream != nullptr) {
      const std::size_t line = line_at(*newlines, stream->Tell());
      document.key_lines_.emplace_back(chars, line);
    }
    return true;
  }
  static std::size_t line_at(const std::vector<std::size_t>& newlines, std::size_t offset) {
    return static_cast<std::size_t>(std::lower_bound(newlines.begin(), newlines.end(), offset) -
                                    newlines.begin()) + 1;
  }
  bool StartObject() { return enter(); }
  bool StartArray() { return enter(); }
  bool EndObject(rapidjson::SizeType count) {
    --depth;
    const std::size_t first_value = values.size() - count;
    const std::size_t first_key = keys.size() - count;
    Value object;
    object.kind_ = Kind::object;
    object.size_ = count;
    if (count > 0) {
      auto* members = static_cast<Member*>(
          document.arena()->allocate(sizeof(Member) * count, alignof(Member)));
      for (rapidjson::SizeType i = 0; i < count; ++i) {
        new (&members[i]) Member{keys[first_key + i], values[first_value + i]};
      }
      object.members_ = members;
    }
    values.resize(first_value);
    keys.resize(first_key);
    return push(object);
  }
  bool EndArray(rapidjson::SizeType count) {
    --depth;
    const std::size_t first = values.size() - count;
    Value array = document.make_array(std::span<const Value>(values.data() + first, count));
    values.resize(first);
    return push(array);
  }

 private:
  // In-situ parsing leaves strings in the document's own copy of the input, so no copy here.
  static Value text_value(Kind kind, const char* chars, rapidjson::SizeType length) {
    Value value;
    value.kind_ = kind;
    value.chars_ = chars;
    value.size_ = length;
    return value;
  }
  // A string is refused when the stream found ill-formed UTF-8 in it (parse_text then reports
  // where) or when an escape in it decoded to a lone surrogate.
  bool well_formed(const char* chars, rapidjson::SizeType length) {
    if (strings->ill_formed != nullptr) return false;
    if (!strings->escape) return true;  // no escape, no decoded surrogate
    strings->escape = false;
    return !has_encoded_surrogate(chars, length);
  }
  // RapidJSON 1.1 rejects a lone high surrogate escape but decodes a lone low one ("\uDC00") to
  // the bytes ED B0 80, which are not UTF-8. Raw bytes like that never get this far (the stream
  // checks UTF-8), so ED followed by A0..BF here can only come from such an escape.
  bool has_encoded_surrogate(const char* chars, rapidjson::SizeType length) {
    const std::string_view text(chars, length);
    for (std::size_t at = text.find('\xED'); at != std::string_view::npos;
         at = text.find('\xED', at + 1)) {
      if (at + 1 < text.size() && static_cast<unsigned char>(text[at + 1]) >= 0xA0) {
        lone_surrogate = true;
        return true;
      }
    }
    return false;
  }
  bool enter() {
    if (++depth > max_depth) {
      too_deep = true;
      return false;
    }
    return true;
  }
};

// `writable`, when set, is the caller's NUL-terminated copy of `text` (parsed in place); `owned`
// additionally hands it over to the document.
ParseResult parse_text(std::string_view text, std::string* writable, bool owned,
                       std::size_t max_bytes, std::uint32_t max_depth, bool jsonc) {
  ParseResult result;
  if (text.size() > max_bytes) {
    result.issues.error(IssueType::too_long, "",
                        "the JSON text is " + std::to_string(text.size()) +
                            " bytes; the limit is " + std::to_string(max_bytes));
    return result;
  }
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);

  Document document;
  // The reader works in situ on NUL-terminated text that lives as long as the document: the
  // caller's string taken over, or a copy.
  char* buffer = nullptr;
  if (writable != nullptr) {
    const std::size_t skipped = static_cast<std::size_t>(text.data() - writable->data());  // a BOM
    if (owned) {
      document.text_ = std::make_unique<std::string>(std::move(*writable));
      writable = document.text_.get();
    }
    buffer = writable->data() + skipped;
  } else {
    buffer = static_cast<char*>(document.arena()->allocate(text.size() + 1, 1));
    std::memcpy(buffer, text.data(), text.size());
    buffer[text.size()] = '\0';
  }

  std::vector<std::size_t> newlines;  // offsets of '\n' in the original text (JSONC only)
  if (jsonc) {
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') newlines.push_back(i);
    }
  }
  rapidjson::Reader reader;
  // The stream checks UTF-8 in strings itself (json_checked_stream.hpp), so RapidJSON's own
  // byte-by-byte check (kParseValidateEncodingFlag) is not asked for.
  StringScan strings;
  CheckedInsituStream stream(buffer, buffer + text.size(), strings);
  Parser parser{document, max_depth, {}, {}, 0, false, jsonc ? &stream : nullptr, &newlines};
  parser.strings = &strings;
  parser.values.reserve(64);
  constexpr unsigned kFlags = rapidjson::kParseInsituFlag | rapidjson::kParseIterativeFlag |
                              rapidjson::kParseNumbersAsStringsFlag;
  constexpr unsigned kJsoncFlags =
      kFlags | rapidjson::kParseCommentsFlag | rapidjson::kParseTrailingCommasFlag;
  rapidjson::ParseResult ok = jsonc ? reader.Parse<kJsoncFlags>(stream, parser)
                                    : reader.Parse<kFlags>(stream, parser);
  if (!ok) {
    // Ill-formed UTF-8 comes first: the reader met it before whatever made it stop, and the
    // validating reader stopped there, at the start of that sequence.
    const std::size_t offset =
        strings.ill_formed != nullptr ? static_cast<std::size_t>(strings.ill_formed - buffer) : ok.Offset();
    std::string where = " at byte " + std::to_string(offset);
    if (jsonc) {
      const std::size_t line = Parser::line_at(newlines, offset);
      const std::size_t line_start = line > 1 ? newlines[line - 2] + 1 : 0;
      where = " at line " + std::to_string(line) + ", column " +
              std::to_string(offset - line_start + 1);
    }
    if (strings.ill_formed != nullptr) {
      result.issues.error(IssueType::structure, "", "invalid UTF-8 in a string" + where);
    } else if (parser.too_deep) {
      result.issues.error(IssueType::too_costly, "",
                          "JSON nesting is deeper than " + std::to_string(max_depth) +
                              " levels" + where);
    } else if (ok.Code() == rapidjson::kParseErrorStringInvalidEncoding) {
      result.issues.error(IssueType::structure, "", "invalid UTF-8 in a string" + where);
    } else if (parser.lone_surrogate) {
      result.issues.error(IssueType::structure, "",
                          "invalid JSON: a \\u escape is a lone low surrogate" + where);
    } else {
      result.issues.error(IssueType::structure, "",
                          std::string("invalid JSON: ") +
                              rapidjson::GetParseError_En(ok.Code()) + where);
    }
    return result;
  }
  document.set_root(parser.values.back());
  result.document.emplace(std::move(document));
  return result;
}

ParseResult parse(std::string_view text, const ParseLimits& limits) {
  return parse_text(text, nullptr, false, limits.max_bytes, limits.max_depth, false);
}

ParseResult parse_owned(std::string&& text, const ParseLimits& limits) {
  return parse_text(text, &text, true, limits.max_bytes, limits.max_depth, false);
}

ParseResult parse_in_place(std::string& text, const ParseLimits& limits) {
  return parse_text(text, &text, false, limits.max_bytes, limits.max_depth, false);
}

ParseResult parse_jsonc(std::string_view text, const JsoncOptions& options) {
  return parse_text(text, nullptr, false, options.max_bytes, options.max_depth, true);
}

std::size_t Document::line_of(const Member& member) const {
  for (const auto& [chars, line] : key_lines_) {
    if (chars == member.key.data()) return line;
  }
  return 0;
}

// --- Writing ------------------------------------------------------------------------------

namespace {

template <typename Writer>
void write(Writer& writer, const Value& value) {
  switch (value.kind()) {
    case Kind::null:
      writer.Null();
      break;
    case Kind::boolean:
      writer.Bool(value.as_bool());
      break;
    case Kind::number:
      writer.RawValue(value.text().data(), value.text().size(), rapidjson::kNumberType);
      break;
    case Kind::string:
      writer.String(value.text().data(), static_cast<rapidjson::SizeType>(value.text().size()));
      break;
    case Kind::array:
      writer.StartArray();
      for (const Value& item : value.items()) write(writer, item);
      writer.EndArray();
      break;
    case Kind::object:
      writer.StartObject();
      for (const Member& member : value.members()) {
        writer.Key(member.key.data(), static_cast<rapidjson::SizeType>(member.key.size()));
        write(writer, member.value);
      }
      writer.EndObject();
      break;
  }
}

}  // namespace

std::string serialize(const Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  write(writer, value);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string serialize_pretty(const Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 2);
  write(writer, value);
  return std::string(buffer.GetString(), buffer.GetSize());
}

bool equal_ignoring_member_order(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Kind::null:
      return true;
    case Kind::boolean:
      return a.as_bool() == b.as_bool();
    case Kind::number:
    case Kind::string:
      return a.text() == b.text();
    case Kind::array: {
      if (a.size() != b.size()) return false;
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (!equal_ignoring_member_order(a.items()[i], b.items()[i])) return false;
      }
      return true;
    }
    case Kind::object: {
      if (a.size() != b.size()) return false;
      for (const Member& member : a.members()) {
        const Value* other = b.find(member.key);
        if (other == nullptr || !equal_ignoring_member_order(member.value, *other)) return false;
      }
      return true;
    }
  }
  return false;
}

}  // namespace socialrx::fhir::json
