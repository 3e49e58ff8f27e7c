#pragma once
// JSON output for scoring and extraction without a DOM: either RapidJSON's Writer or JsonText,
// a writer with the same method names that appends to a std::string with memcpy-sized runs
// (RapidJSON copies character by character, which dominated extraction time), plus copying
// parts of the arena JSON model into either.

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fhir/json.hpp"

namespace socialrx::fhir::questionnaire {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// Direct appends for pre-rendered output (no writer state: the caller places commas):
// a JSON string literal with its quotes, escaped as RapidJSON's Writer escapes;
void append_json_string(std::string& out, std::string_view text);
// a value of the model, as write_json writes it;
void append_json(std::string& out, const json::Value& value);
// a Coding as write_coding writes it.
void append_coding(std::string& out, const json::Value& coding);

// Appends JSON to a string; commas are placed as RapidJSON's Writer places them. Input must be
// well-formed UTF-8 (it comes from parsed documents and our own constants).
class JsonText {
 public:
  explicit JsonText(std::string& out) : out_(out) { stack_.reserve(16); }

  void StartObject() { open('{'); }
  void EndObject() { close('}'); }
  void StartArray() { open('['); }
  void EndArray() { close(']'); }
  void Key(const char* text, std::size_t size) {
    separate();
    append_quoted(std::string_view(text, size));
    out_.push_back(':');
    after_key_ = true;
  }
  void String(const char* text, std::size_t size) {
    prefix();
    append_quoted(std::string_view(text, size));
  }
  void Bool(bool value) {
    prefix();
    out_.append(value ? "true" : "false");
  }
  void Null() {
    prefix();
    out_.append("null");
  }
  void Int64(std::int64_t value) {
    prefix();
    out_.append(std::to_string(value));
  }
  // Already-written members ("a":1,"b":2) inside the current object.
  void RawMembers(std::string_view members) {
    if (members.empty()) return;
    separate();
    out_.append(members);
  }
  // Already-written JSON (a number literal, a pre-written fragment).
  void RawValue(const char* json, std::size_t size, rapidjson::Type) {
    prefix();
    out_.append(json, size);
  }
  // Already-written JSON that opens `depth` containers and leaves them open, each with something
  // written in it (`{"a":1,"b":{"c":2` opens 2): later members get their commas, and `depth`
  // End* calls close them.
  void RawOpen(std::string_view json, std::size_t depth) {
    prefix();
    out_.append(json);
    stack_.insert(stack_.end(), depth, false);
  }
  // The output string, for a value the caller appends itself (pre-rendered fragments): places
  // the comma before it as for any other value.
  std::string& RawValueOutput() {
    prefix();
    return out_;
  }

 private:
  void open(char bracket) {
    prefix();
    out_.push_back(bracket);
    stack_.push_back(true);
  }
  void close(char bracket) {
    out_.push_back(bracket);
    stack_.pop_back();
  }
  void separate() {
    if (stack_.empty()) return;
    if (!stack_.back()) out_.push_back(',');
    stack_.back() = false;
  }
  void prefix() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    separate();
  }
  void append_quoted(std::string_view text);

  std::string& out_;
  std::vector<bool> stack_;  // per open container: nothing written in it yet
  bool after_key_ = false;
};

template <typename Writer>
void write_key(Writer& writer, std::string_view key) {
  writer.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
}
template <typename Writer>
void write_string(Writer& writer, std::string_view text) {
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}
template <typename Writer>
void write_member(Writer& writer, std::string_view key, std::string_view text) {
  write_key(writer, key);
  write_string(writer, text);
}

// A value of the model, numbers as their literal.
template <typename Writer>
void write_json(Writer& writer, const json::Value& value) {
  switch (value.kind()) {
    case json::Kind::null:
      writer.Null();
      return;
    case json::Kind::boolean:
      writer.Bool(value.as_bool());
      return;
    case json::Kind::number: {
      // Not RawNumber: RapidJSON's Writer would quote it.
      std::string_view text = value.text();
      writer.RawValue(text.data(), text.size(), rapidjson::kNumberType);
      return;
    }
    case json::Kind::string:
      write_string(writer, value.text());
      return;
    case json::Kind::array:
      writer.StartArray();
      for (const json::Value& item : value.items()) write_json(writer, item);
      writer.EndArray();
      return;
    case json::Kind::object:
      writer.StartObject();
      for (const json::Member& member : value.members()) {
        write_key(writer, member.key);
        write_json(writer, member.value);
      }
      writer.EndObject();
      return;
  }
}

// A Coding without its extensions (ordinalValue and the like belong to the Questionnaire).
template <typename Writer>
void write_coding(Writer& writer, const json::Value& coding) {
  writer.StartObject();
  for (std::string_view key : {"system", "version", "code", "display"}) {
    if (const json::Value* part = coding.find(key); part != nullptr && part->is_string()) {
      write_member(writer, key, part->text());
    }
  }
  writer.EndObject();
}

// {"coding":[{"system":…,"code":…,"display":…}]}
template <typename Writer>
void write_codeable_concept(Writer& writer, std::string_view system, std::string_view code,
                            std::string_view display = {}) {
  writer.StartObject();
  write_key(writer, "coding");
  writer.StartArray();
  writer.StartObject();
  write_member(writer, "system", system);
  write_member(writer, "code", code);
  if (!display.empty()) write_member(writer, "display", display);
  writer.EndObject();
  writer.EndArray();
  writer.EndObject();
}

}  // namespace socialrx::fhir::questionnaire
