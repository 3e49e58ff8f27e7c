#pragma once
// A JSON model for FHIR over RapidJSON's SAX reader.
//
// Why not rapidjson::Document: FHIR needs number literals kept as text ("1.50" must stay "1.50")
// while still knowing that they were numbers, member order kept, and duplicate keys visible to the
// validator. So the reader runs iteratively (no recursion, depth bounded by us), in situ on a
// private copy of the input, with kParseNumbersAsStringsFlag, and builds this arena-backed tree.
// Values are small handles (16 bytes) pointing into the Document's arena; they stay valid as long
// as the Document that made them.

#include <cstdint>
#include <cstring>
#include <memory>
#include <memory_resource>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fhir/arena.hpp"
#include "fhir/outcome.hpp"

namespace socialrx::fhir::json {

enum class Kind : std::uint8_t { null, boolean, number, string, array, object };

struct Member;

class Value {
 public:
  Value() = default;  // null

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::null; }
  bool is_bool() const { return kind_ == Kind::boolean; }
  bool is_number() const { return kind_ == Kind::number; }
  bool is_string() const { return kind_ == Kind::string; }
  bool is_array() const { return kind_ == Kind::array; }
  bool is_object() const { return kind_ == Kind::object; }

  bool as_bool() const { return kind_ == Kind::boolean && size_ != 0; }
  // Text of a string (unescaped) or the literal of a number exactly as written ("1.50").
  std::string_view text() const {
    return (kind_ == Kind::string || kind_ == Kind::number) ? std::string_view(chars_, size_)
                                                            : std::string_view();
  }
  std::span<const Value> items() const;
  std::span<const Member> members() const;
  std::size_t size() const {
    return (kind_ == Kind::array || kind_ == Kind::object) ? size_ : 0;
  }

  // First member with this key, or nullptr (also when this is not an object). Inline: it runs
  // everywhere, mostly with a literal key, whose memcmp the compiler then inlines.
  inline const Value* find(std::string_view key) const;
  // Convenience: the text of a string member, or empty.
  std::string_view string_at(std::string_view key) const {
    const Value* value = find(key);
    return value != nullptr && value->is_string() ? value->text() : std::string_view();
  }

 private:
  friend class Document;
  friend struct Parser;
  Kind kind_ = Kind::null;
  std::uint32_t size_ = 0;  // bytes of text, number of items or members; 1/0 for booleans
  union {
    const char* chars_;
    const Value* items_;
    const Member* members_;
    const void* none_ = nullptr;
  };
};

struct Member {
  std::string_view key;
  Value value;
};

inline std::span<const Value> Value::items() const {
  return kind_ == Kind::array ? std::span<const Value>(items_, size_) : std::span<const Value>();
}
inline std::span<const Member> Value::members() const {
  return kind_ == Kind::object ? std::span<const Member>(members_, size_)
                               : std::span<const Member>();
}

inline const Value* Value::find(std::string_view key) const {
  for (const Member& member : members()) {
    // Size and first byte before the rest (keys of one object seldom share both).
    if (member.key.size() == key.size() &&
        (key.empty() || (member.key[0] == key[0] && std::memcmp(member.key.data(), key.data(), key.size()) == 0))) {
      return &member.value;
    }
  }
  return nullptr;
}

struct ParseLimits {
  std::size_t max_bytes = 8u << 20;  // 8 MiB, the REST body limit
  std::uint32_t max_depth = 100;     // nesting of objects and arrays
};

// JSONC (configuration and mapping files): comments and trailing commas are accepted, and the
// line of every key is kept for error messages (Document::line_of).
struct JsoncOptions {
  std::size_t max_bytes = 16u << 20;
  std::uint32_t max_depth = 64;
};

struct ParseResult;

// Owns the arena that every Value made through it lives in. Move-only.
class Document {
 public:
  Document();
  Document(Document&&) noexcept;
  Document& operator=(Document&&) noexcept;
  ~Document();

  const Value& root() const { return root_; }
  void set_root(Value value) { root_ = value; }

  // Builders: everything is copied into this document's arena.
  Value make_string(std::string_view text);
  Value make_number(std::string_view literal);  // caller guarantees a JSON number literal
  static Value make_bool(bool value);
  Value make_array(std::span<const Value> items);
  Value make_object(std::span<const Member> members);
  std::string_view intern(std::string_view text);  // a copy of text that lives in the arena
  Value copy(const Value& value);                  // deep copy from any document

  // Returns a copy of object with key set to value (replacing the first member with that key, or
  // appending it). Values are immutable handles, so edits rebuild the path to the root:
  // doc.set_root(doc.with_member(doc.root(), "id", doc.make_string("1"))).
  Value with_member(const Value& object, std::string_view key, Value value);
  Value without_member(const Value& object, std::string_view key);

  // The 1-based line of a member's key in the parsed text; 0 unless parsed by parse_jsonc.
  std::size_t line_of(const Member& member) const;

 private:
  friend struct Parser;
  friend ParseResult parse_text(std::string_view text, std::string* writable, bool owned,
                                std::size_t max_bytes, std::uint32_t max_depth, bool jsonc);
  std::pmr::memory_resource* arena();
  std::unique_ptr<ChunkArena> arena_;
  // The parsed text when the document took it over (parse of std::string&&); on the heap so that
  // moving the document never moves the characters the values point to (short strings are SSO).
  std::unique_ptr<std::string> text_;
  Value root_;
  std::vector<std::pair<const char*, std::size_t>> key_lines_;  // JSONC only, in key order
};

struct ParseResult {
  std::optional<Document> document;  // set when the bytes are well-formed JSON within the limits
  Issues issues;                     // otherwise the reason (structure, too-long, too-costly)
};

// Parses UTF-8 JSON text (a leading BOM is tolerated). Never throws on bad input.
ParseResult parse(std::string_view text, const ParseLimits& limits = {});
// The same, taking the text over: the document parses it in place instead of copying it first
// (a request body or a file buffer that is not needed afterwards).
ParseResult parse_owned(std::string&& text, const ParseLimits& limits = {});
// The same on a buffer the caller keeps (and reuses for the next message once the document is
// gone): the document's values point into `text`, which must outlive it unchanged.
ParseResult parse_in_place(std::string& text, const ParseLimits& limits = {});
// Parses JSONC; syntax errors name the line and column.
ParseResult parse_jsonc(std::string_view text, const JsoncOptions& options = {});

// Compact JSON; numbers are written as their original literal.
std::string serialize(const Value& value);
// Indented JSON for people (CLI output).
std::string serialize_pretty(const Value& value);

// Structural equality; object member order is ignored, numbers compare by literal text.
bool equal_ignoring_member_order(const Value& a, const Value& b);

}  // namespace socialrx::fhir::json
