#include "fhir/questionnaire/scoring_json.hpp"

#include <algorithm>
#include <cstring>

namespace socialrx::fhir::questionnaire {

namespace {

// Whether any of the 8 bytes of `word` needs escaping in a JSON string: a control character
// (< 0x20), '"' or '\\'. Exact for "any" (the classic has-zero-byte / has-less-than tests).
inline bool needs_escape(std::uint64_t word) {
  constexpr std::uint64_t ones = 0x0101010101010101ULL;
  constexpr std::uint64_t highs = 0x8080808080808080ULL;
  const std::uint64_t quote = word ^ (ones * '"');
  const std::uint64_t backslash = word ^ (ones * '\\');
  const std::uint64_t control = (word - ones * 0x20) & ~word;
  const std::uint64_t zero_quote = (quote - ones) & ~quote;
  const std::uint64_t zero_backslash = (backslash - ones) & ~backslash;
  return ((control | zero_quote | zero_backslash) & highs) != 0;
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t run = 0;  // start of the characters not yet appended
  std::size_t i = 0;
  while (i < text.size()) {
    // Skip clean 8-byte blocks in one step; most text (codes, URLs, Japanese) has nothing to escape.
    if (i + 8 <= text.size()) {
      std::uint64_t word;
      std::memcpy(&word, text.data() + i, 8);
      if (!needs_escape(word)) {
        i += 8;
        continue;
      }
    }
    const std::size_t block_end = std::min(text.size(), i + 8);
    for (; i < block_end; ++i) {
      unsigned char c = static_cast<unsigned char>(text[i]);
      if (c >= 0x20 && c != '"' && c != '\\') continue;
      out.append(text.data() + run, i - run);
      run = i + 1;
      switch (c) {
        case '"': out.append("\\\""); break;
        case '\\': out.append("\\\\"); break;
        case '\n': out.append("\\n"); break;
        case '\r': out.append("\\r"); break;
        case '\t': out.append("\\t"); break;
        case '\b': out.append("\\b"); break;
        case '\f': out.append("\\f"); break;
        default:
          out.append("\\u00");
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
      }
    }
  }
  out.append(text.data() + run, text.size() - run);
  out.push_back('"');
}

void JsonText::append_quoted(std::string_view text) { append_json_string(out_, text); }

void append_json(std::string& out, const json::Value& value) {
  switch (value.kind()) {
    case json::Kind::null:
      out.append("null");
      return;
    case json::Kind::boolean:
      out.append(value.as_bool() ? "true" : "false");
      return;
    case json::Kind::number:
      out.append(value.text());
      return;
    case json::Kind::string:
      append_json_string(out, value.text());
      return;
    case json::Kind::array: {
      out.push_back('[');
      bool first = true;
      for (const json::Value& item : value.items()) {
        if (!first) out.push_back(',');
        first = false;
        append_json(out, item);
      }
      out.push_back(']');
      return;
    }
    case json::Kind::object: {
      out.push_back('{');
      bool first = true;
      for (const json::Member& member : value.members()) {
        if (!first) out.push_back(',');
        first = false;
        append_json_string(out, member.key);
        out.push_back(':');
        append_json(out, member.value);
      }
      out.push_back('}');
      return;
    }
  }
}

void append_coding(std::string& out, const json::Value& coding) {
  out.push_back('{');
  bool first = true;
  for (std::string_view key : {std::string_view("system"), std::string_view("version"),
                               std::string_view("code"), std::string_view("display")}) {
    if (const json::Value* part = coding.find(key); part != nullptr && part->is_string()) {
      if (!first) out.push_back(',');
      first = false;
      out.push_back('"');
      out.append(key);
      out.append("\":");
      append_json_string(out, part->text());
    }
  }
  out.push_back('}');
}

}  // namespace socialrx::fhir::questionnaire
