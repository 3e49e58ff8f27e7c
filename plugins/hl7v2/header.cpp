#include "plugins/hl7v2/header.hpp"

#include <utility>

#include "plugins/hl7v2/parser.hpp"

namespace socialrx::plugins::hl7v2 {
namespace {

// The MSH segment with ESC sequences dropped and every other byte outside printable ASCII (and
// CR/LF) turned into '?': enough to read MSH-9/MSH-10 of a message that cannot be decoded.
std::string ascii_only(std::string_view segment) {
  std::string out;
  out.reserve(segment.size());
  for (std::size_t i = 0; i < segment.size(); ++i) {
    const auto byte = static_cast<unsigned char>(segment[i]);
    if (byte == 0x1B) {
      std::size_t j = i + 1;
      while (j < segment.size() && segment[j] >= 0x20 && segment[j] <= 0x2F) ++j;
      i = j;  // the final byte too
      continue;
    }
    out.push_back(byte >= 0x20 && byte < 0x7F ? static_cast<char>(byte) : '?');
  }
  return out;
}

}  // namespace

HeaderSegment read_header_segment(std::string_view bytes) {
  HeaderSegment header;
  bytes = skip_leading_line_breaks(bytes);
  PluginIssue problem;
  const std::optional<Delimiters> delimiters = read_delimiters(bytes, &problem);
  if (!delimiters) {
    header.issues.push_back(std::move(problem));
    return header;
  }
  const std::string_view segment = bytes.substr(0, find_line_break(bytes));
  CharsetDetection detection = detect_charset(segment, *delimiters);
  // detect_charset guesses an empty MSH-18 from the bytes it is given: give it the whole message.
  if (detection.ok && detection.declared.find_first_not_of(" ~") == std::string::npos) {
    detection = detect_charset(bytes, *delimiters);
  }
  header.issues = std::move(detection.issues);
  header.declared_charset = detection.declared;
  std::string text;
  if (detection.ok) {
    header.charset_known = true;
    header.charset = detection.charset;
    Decoded decoded = decode_to_utf8(segment, detection.charset);
    if (decoded.ok) {
      header.readable = true;
      text = std::move(decoded.utf8);
    } else {
      PluginIssue issue;
      issue.code = "invalid";
      issue.location = "MSH-18";
      issue.diagnostics = "The byte at offset " + std::to_string(decoded.error_offset) +
                          " does not decode as " + detection.charset.name() +
                          ", the character set of MSH-18.";
      header.issues.push_back(std::move(issue));
    }
  }
  if (!header.readable) text = ascii_only(segment);
  ParseLimits limits;
  limits.max_segments = 1;
  ParseResult parsed = parse_decoded(text, *delimiters,
                                     header.charset_known ? header.charset : Charset{},
                                     header.declared_charset, limits);
  if (!parsed.message) {
    header.readable = false;
    for (PluginIssue& issue : parsed.issues) header.issues.push_back(std::move(issue));
    return header;
  }
  header.msh = std::move(parsed.message);
  return header;
}

MessageHeader read_header(std::string_view bytes) {
  HeaderSegment segment = read_header_segment(bytes);
  MessageHeader header;
  header.readable = segment.readable;
  header.issues = std::move(segment.issues);
  if (segment.charset_known) header.charset = segment.charset.name();
  if (!segment.msh) return header;
  const Message& msh = *segment.msh;
  header.sender = std::string(msh.value(0, 3)) + "^" + std::string(msh.value(0, 4));
  header.message_id = msh.value(0, 10);
  header.message_type = msh.value(0, 9, 1, 1);
  if (!msh.value(0, 9, 1, 2).empty()) {
    header.message_type += "^";
    header.message_type += msh.value(0, 9, 1, 2);
  }
  return header;
}

}  // namespace socialrx::plugins::hl7v2
