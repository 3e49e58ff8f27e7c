#include "plugins/hl7v2/parser.hpp"

// Sources checked: HL7 v2.5 chapter 2 (2.5 message construction rules, 2.7 use of escape
// sequences in text fields: \F\ \S\ \T\ \R\ \E\, \Xdddd…\ hexadecimal data, \Cxxyy\ and
// \Mxxyyzz\ character-set switches, \Zdddd…\ locally defined, \H\ \N\ highlighting, and the
// formatted-text commands \.br\ \.sp\ \.fi\ \.nf\ \.in\ \.ti\ \.sk\ \.ce\); Grahame Grieve's notes
// on finding MSH-18 before the charset is known (healthintersections.com.au, "Version 2 and
// character sets and encoding"); HL7 table 0211 (terminology.hl7.org CodeSystem v2-0211).

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <memory>
#include <utility>

#include "plugins/hl7v2/message_data.hpp"

namespace socialrx::plugins::hl7v2 {
namespace {

using Data = Message::Data;

// Offsets in Data are 32-bit; decoding can triple the size (half-width kana: 1 byte → 3), so the
// raw input is capped well below 4 GiB whatever the limits say.
constexpr std::size_t kHardMaxBytes = std::size_t{1} << 30;
constexpr std::size_t kMaxIssues = 100;

PluginIssue make_issue(PluginIssue::Severity severity, std::string code, std::string location,
                       std::string diagnostics) {
  PluginIssue issue;
  issue.severity = severity;
  issue.code = std::move(code);
  issue.location = std::move(location);
  issue.diagnostics = std::move(diagnostics);
  return issue;
}

bool is_delimiter_candidate(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte >= 0x21 && byte <= 0x7E && !std::isalnum(byte);
}

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  return (std::toupper(static_cast<unsigned char>(c)) - 'A') + 10;
}

bool is_segment_id(std::string_view id) {
  if (id.size() != 3) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  });
}

class Builder {
 public:
  Builder(const ParseLimits& limits, const Charset& charset, std::vector<PluginIssue>& issues)
      : limits_(limits), charset_(charset), issues_(issues) {}

  Data& data() { return *data_; }
  std::shared_ptr<Data> release() { return std::move(data_); }
  bool failed() const { return failed_; }

  // Splits the decoded text into segments; false on an error (already reported).
  bool build(std::string_view text) {
    std::size_t position = 0;
    std::size_t segment_number = 0;
    while (position < text.size()) {
      std::size_t end = find_line_break(text, position);
      if (end == std::string_view::npos) end = text.size();
      const std::string_view line = text.substr(position, end - position);
      position = end + 1;
      if (line.find_first_not_of(" \t") == std::string_view::npos) continue;  // blank line
      ++segment_number;
      if (segment_number > limits_.max_segments) {
        error("too-long", "", "The message has more than " +
                                  std::to_string(limits_.max_segments) + " segments.");
        return false;
      }
      if (!add_segment(line, segment_number)) return false;
    }
    if (data_->segments.empty() || data_->segments.front().id != "MSH") {
      error("structure", "MSH", "The message does not begin with an MSH segment.");
      return false;
    }
    return true;
  }

 private:
  void issue(PluginIssue::Severity severity, std::string code, std::string location,
             std::string diagnostics) {
    if (issues_.size() == kMaxIssues) {
      issues_.push_back(make_issue(PluginIssue::Severity::information, "informational", "",
                                   "Further issues in this message were not listed."));
    }
    if (issues_.size() > kMaxIssues) return;
    issues_.push_back(make_issue(severity, std::move(code), std::move(location),
                                 std::move(diagnostics)));
  }
  void error(std::string code, std::string location, std::string diagnostics) {
    failed_ = true;
    // Errors are always listed, even past the cap: they decide the disposition.
    issues_.push_back(make_issue(PluginIssue::Severity::error, std::move(code),
                                 std::move(location), std::move(diagnostics)));
  }
  void warning(std::string code, const Position& where, std::string diagnostics) {
    issue(PluginIssue::Severity::warning, std::move(code), to_string(where),
          std::move(diagnostics));
  }

  bool add_segment(std::string_view line, std::size_t number) {
    const char field_separator = data_->delimiters.field;
    const std::size_t id_end = std::min(line.find(field_separator), line.size());
    const std::string_view id = line.substr(0, id_end);
    if (!is_segment_id(id)) {
      error("structure", "segment " + std::to_string(number),
            "Segment " + std::to_string(number) +
                " does not begin with a three-character segment id (A-Z, 0-9).");
      return false;
    }
    if (number == 1 && id != "MSH") {
      error("structure", "MSH", "The message does not begin with an MSH segment.");
      return false;
    }
    Data::Segment segment;
    segment.id.assign(id);
    segment.fields.first = static_cast<std::uint32_t>(data_->fields.size());
    int field_number = 1;
    std::string_view rest;
    bool has_rest = id_end < line.size();
    if (has_rest) rest = line.substr(id_end + 1);
    if (id == "MSH") {
      // MSH-1 is the field separator itself, MSH-2 the encoding characters, taken as they are.
      add_literal_field(std::string_view(&data_->delimiters.field, 1));
      const std::size_t msh2_end = std::min(rest.find(field_separator), rest.size());
      add_literal_field(rest.substr(0, msh2_end));
      has_rest = msh2_end < rest.size();
      rest = has_rest ? rest.substr(msh2_end + 1) : std::string_view();
      field_number = 3;
    }
    if (has_rest && !add_fields(rest, segment.id, field_number)) return false;
    segment.fields.count = static_cast<std::uint32_t>(data_->fields.size()) - segment.fields.first;
    data_->segments.push_back(std::move(segment));
    return true;
  }

  // A field that is one value, not split and not unescaped (MSH-1, MSH-2).
  void add_literal_field(std::string_view raw) {
    Data::Value value;
    value.offset = static_cast<std::uint32_t>(data_->text.size());
    value.length = static_cast<std::uint32_t>(raw.size());
    data_->text.append(raw);
    data_->subcomponents.push_back(value);
    data_->components.push_back({static_cast<std::uint32_t>(data_->subcomponents.size() - 1), 1});
    data_->repetitions.push_back({static_cast<std::uint32_t>(data_->components.size() - 1), 1});
    data_->fields.push_back({static_cast<std::uint32_t>(data_->repetitions.size() - 1), 1});
  }

  // Splits the fields of one segment in a single pass over its text: every separator closes a
  // subcomponent, and the larger ones also close the component, repetition or field it ends.
  bool add_fields(std::string_view rest, const std::string& segment_id, int field_number) {
    const Delimiters& d = data_->delimiters;
    auto start_range = [](std::size_t first) {
      return Data::Range{static_cast<std::uint32_t>(first), 0};
    };
    Data::Range field = start_range(data_->repetitions.size());
    Data::Range repetition = start_range(data_->components.size());
    Data::Range component = start_range(data_->subcomponents.size());
    std::size_t field_start = 0;
    std::size_t sub_start = 0;
    bool has_escape = false;
    const std::size_t size = rest.size();
    for (std::size_t i = 0; i <= size; ++i) {
      const char c = i < size ? rest[i] : d.field;  // the end closes the last field
      if (c == d.escape) {
        has_escape = true;
        continue;
      }
      if (c != d.field && c != d.repetition && c != d.component && c != d.subcomponent) continue;
      if (c == d.field && i - field_start > limits_.max_field_bytes) {
        error("too-long", segment_id + "-" + std::to_string(field_number),
              "The field is longer than " + std::to_string(limits_.max_field_bytes) + " bytes.");
        return false;
      }
      const std::string_view raw = rest.substr(sub_start, i - sub_start);
      if (has_escape) {
        const Position where{segment_id, field_number, static_cast<int>(field.count) + 1,
                             static_cast<int>(repetition.count) + 1,
                             static_cast<int>(component.count) + 1};
        data_->subcomponents.push_back(unescape(raw, where));
      } else {
        data_->subcomponents.push_back(literal(raw));
      }
      ++component.count;
      sub_start = i + 1;
      has_escape = false;
      if (c == d.subcomponent) continue;
      data_->components.push_back(component);
      ++repetition.count;
      component = start_range(data_->subcomponents.size());
      if (c == d.component) continue;
      data_->repetitions.push_back(repetition);
      ++field.count;
      repetition = start_range(data_->components.size());
      if (c == d.repetition) continue;
      data_->fields.push_back(field);
      field = start_range(data_->repetitions.size());
      field_start = i + 1;
      ++field_number;
    }
    return true;
  }

  // A value without escapes: copied as it is (or the explicit null).
  Data::Value literal(std::string_view raw) {
    Data::Value value;
    value.offset = static_cast<std::uint32_t>(data_->text.size());
    if (raw.size() == 2 && raw[0] == '"' && raw[1] == '"') {
      value.explicit_null = true;
      return value;
    }
    data_->text.append(raw);
    value.length = static_cast<std::uint32_t>(raw.size());
    return value;
  }

  Data::Value unescape(std::string_view raw, const Position& where) {
    Data::Value value;
    value.offset = static_cast<std::uint32_t>(data_->text.size());
    if (raw == "\"\"") {
      value.explicit_null = true;
      return value;
    }
    const char escape = data_->delimiters.escape;
    std::string& out = data_->text;
    std::size_t position = 0;
    for (;;) {
      const std::size_t start = raw.find(escape, position);
      if (start == std::string_view::npos) {
        out.append(raw.substr(position));
        break;
      }
      out.append(raw.substr(position, start - position));
      const std::size_t close = raw.find(escape, start + 1);
      if (close == std::string_view::npos) {
        warning("invalid", where, "An escape sequence is not terminated; it is kept as text.");
        out.append(raw.substr(start));
        break;
      }
      resolve_escape(raw.substr(start + 1, close - start - 1), raw.substr(start, close - start + 1),
                     where);
      position = close + 1;
    }
    value.length = static_cast<std::uint32_t>(data_->text.size() - value.offset);
    return value;
  }

  void resolve_escape(std::string_view sequence, std::string_view whole, const Position& where) {
    const Delimiters& d = data_->delimiters;
    std::string& out = data_->text;
    if (sequence.size() == 1) {
      switch (sequence[0]) {
        case 'F': out.push_back(d.field); return;
        case 'S': out.push_back(d.component); return;
        case 'T': out.push_back(d.subcomponent); return;
        case 'R': out.push_back(d.repetition); return;
        case 'E': out.push_back(d.escape); return;
        case 'H':
        case 'N': return;  // highlighting on / off: no text
        default: break;
      }
    }
    if (!sequence.empty() && sequence[0] == 'X') {
      append_hex(sequence.substr(1), whole, where);
      return;
    }
    if (!sequence.empty() && sequence[0] == '.') {
      const std::string_view command = sequence.substr(1);
      if (command == "br" || command.substr(0, 2) == "sp") out.push_back('\n');
      return;  // the other formatting commands carry no text
    }
    if (!sequence.empty() && (sequence[0] == 'C' || sequence[0] == 'M') &&
        sequence.size() >= 5 && std::all_of(sequence.begin() + 1, sequence.end(), is_hex)) {
      warning("not-supported", where,
              "A character-set switch escape (\\C or \\M) was ignored; the message was decoded "
              "by its MSH-18 character set.");
      return;
    }
    warning("not-supported", where,
            sequence.empty() || sequence[0] != 'Z'
                ? "An unknown escape sequence is kept as text."
                : "A locally defined escape sequence (\\Z) is kept as text.");
    out.append(whole);
  }

  void append_hex(std::string_view hex, std::string_view whole, const Position& where) {
    if (hex.empty() || hex.size() % 2 != 0 || !std::all_of(hex.begin(), hex.end(), is_hex)) {
      warning("invalid", where, "A hexadecimal escape (\\X) is malformed; it is kept as text.");
      data_->text.append(whole);
      return;
    }
    std::string bytes;
    bytes.reserve(hex.size() / 2);
    for (std::size_t i = 0; i < hex.size(); i += 2) {
      bytes.push_back(static_cast<char>(hex_value(hex[i]) * 16 + hex_value(hex[i + 1])));
    }
    Decoded decoded = decode_to_utf8(bytes, charset_);
    if (!decoded.ok) {
      warning("invalid", where,
              "A hexadecimal escape (\\X) holds bytes that do not decode in the message's "
              "character set; it is kept as text.");
      data_->text.append(whole);
      return;
    }
    data_->text.append(decoded.utf8);
  }

  const ParseLimits& limits_;
  const Charset& charset_;
  std::vector<PluginIssue>& issues_;
  std::shared_ptr<Data> data_ = std::make_shared<Data>();
  bool failed_ = false;
};

}  // namespace

std::string_view skip_leading_line_breaks(std::string_view bytes) {
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") bytes.remove_prefix(3);  // a UTF-8 byte order mark
  const std::size_t start = bytes.find_first_not_of("\r\n");
  return start == std::string_view::npos ? std::string_view() : bytes.substr(start);
}

std::optional<Delimiters> read_delimiters(std::string_view bytes, PluginIssue* problem) {
  auto fail = [&](std::string location, std::string diagnostics) -> std::optional<Delimiters> {
    if (problem != nullptr) {
      *problem = make_issue(PluginIssue::Severity::error, "structure", std::move(location),
                            std::move(diagnostics));
    }
    return std::nullopt;
  };
  bytes = skip_leading_line_breaks(bytes);
  if (bytes.size() < 8 || bytes.substr(0, 3) != "MSH") {
    return fail("MSH", "The message does not begin with an MSH segment.");
  }
  Delimiters d;
  d.field = bytes[3];
  if (!is_delimiter_candidate(d.field)) {
    return fail("MSH-1", "MSH-1 (field separator) is not a printable ASCII punctuation character.");
  }
  std::size_t msh2_end = 4;
  while (msh2_end < bytes.size() && bytes[msh2_end] != d.field && bytes[msh2_end] != '\r' &&
         bytes[msh2_end] != '\n' && msh2_end - 4 < 6) {
    ++msh2_end;
  }
  const std::string_view msh2 = bytes.substr(4, msh2_end - 4);
  if (msh2.size() != 4 && msh2.size() != 5) {
    return fail("MSH-2", "MSH-2 (encoding characters) must have four characters (five with the "
                         "truncation character).");
  }
  d.component = msh2[0];
  d.repetition = msh2[1];
  d.escape = msh2[2];
  d.subcomponent = msh2[3];
  std::string all{d.field};
  all.append(msh2);
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (!is_delimiter_candidate(all[i]) || all.find(all[i]) != i) {
      return fail("MSH-2", "The delimiters in MSH-1 and MSH-2 must be distinct printable ASCII "
                           "punctuation characters.");
    }
  }
  return d;
}

ParseResult parse(std::string_view bytes, const ParseLimits& limits) {
  ParseResult result;
  const std::size_t max_bytes = std::min(limits.max_bytes, kHardMaxBytes);
  if (bytes.size() > max_bytes) {
    result.issues.push_back(make_issue(
        PluginIssue::Severity::error, "too-long", "",
        "The message is longer than " + std::to_string(max_bytes) + " bytes."));
    return result;
  }
  const std::size_t leading = bytes.size() - skip_leading_line_breaks(bytes).size();
  bytes.remove_prefix(leading);
  PluginIssue problem;
  const std::optional<Delimiters> delimiters = read_delimiters(bytes, &problem);
  if (!delimiters) {
    result.issues.push_back(std::move(problem));
    return result;
  }
  CharsetDetection detection = detect_charset(bytes, *delimiters);
  for (PluginIssue& issue : detection.issues) result.issues.push_back(std::move(issue));
  if (!detection.ok) return result;
  result.charset_known = true;
  result.charset = detection.charset;
  result.declared_charset = detection.declared;

  const Decoded decoded = decode_to_utf8(bytes, detection.charset);
  if (!decoded.ok) {
    result.issues.push_back(make_issue(
        PluginIssue::Severity::error, "invalid", "MSH-18",
        "The byte at offset " + std::to_string(decoded.error_offset + leading) +
            " does not decode as " + detection.charset.name() + ", the character set of MSH-18."));
    return result;
  }

  ParseResult decoded_result = parse_decoded(decoded.utf8, *delimiters, detection.charset,
                                             detection.declared, limits);
  for (PluginIssue& issue : decoded_result.issues) result.issues.push_back(std::move(issue));
  result.message = std::move(decoded_result.message);
  return result;
}

ParseResult parse_decoded(std::string_view utf8, const Delimiters& delimiters,
                          const Charset& charset, std::string declared_charset,
                          const ParseLimits& limits) {
  ParseResult result;
  result.charset_known = true;
  result.charset = charset;
  result.declared_charset = declared_charset;
  Builder builder(limits, charset, result.issues);
  Data& data = builder.data();
  data.delimiters = delimiters;
  data.declared_charset = std::move(declared_charset);
  data.decoded_charset = charset.name();
  data.text.reserve(utf8.size() + 1);
  // Rough sizes for an SS-MIX2 message (about one value per 4 bytes), capped: fewer regrowths.
  const std::size_t values = std::min<std::size_t>(utf8.size() / 4 + 16, 4096);
  data.subcomponents.reserve(values);
  data.components.reserve(values);
  data.repetitions.reserve(values / 2);
  data.fields.reserve(values / 2);
  data.segments.reserve(std::min<std::size_t>(utf8.size() / 64 + 4, 256));
  if (!builder.build(utf8)) return result;
  result.message.emplace(builder.release());
  return result;
}

}  // namespace socialrx::plugins::hl7v2
