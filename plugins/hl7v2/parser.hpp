#pragma once
// HL7 v2 (ER7, "pipe and hat") parser: one message's raw bytes → Message.
//
// What it takes (details and sources in README.md):
//   - Input: the bytes as received, transport framing (MLLP) already removed. Segments end in CR;
//     LF and CRLF are tolerated, empty lines skipped. A UTF-8 byte order mark and CR/LF before
//     MSH are skipped.
//   - Delimiters from MSH-1 and MSH-2: any five distinct printable ASCII characters that are not
//     letters or digits (MSH-2 has four, or five with v2.7's truncation character, which is
//     ignored).
//   - The charset from MSH-18, read charset-aware on the raw bytes; the whole message is decoded
//     to UTF-8 (charset.hpp) before it is split, so multi-byte characters whose bytes equal a
//     delimiter are safe.
//   - Repetitions, components, subcomponents, Z-segments (kept like any other segment), empty
//     trailing fields, the explicit null `""`.
//   - Escapes: \F\ \S\ \T\ \R\ \E\ give the delimiter back; \Xhh…\ gives those bytes decoded
//     in the message's charset; \.br\ and \.sp\ give "\n"; the other formatting commands
//     (\.fi\ \.nf\ \.in…\ \.ti…\ \.sk…\ \.ce\) and highlighting (\H\ \N\) are removed;
//     \Cxxyy\ and \Mxxyyzz\ (ISO 2022 switches written as escapes) are removed with a warning
//     (the raw bytes were already decoded whole); \Z…\ (locally defined) and anything unknown or
//     unterminated is kept literally, with a warning.
// Never crashes or loops on any input: the work is linear in the size, which is bounded.
//
// Issues never quote the message's content, only positions ("PID-5[2].1.1", "MSH-18", byte
// offsets). An error means the message could not be parsed (HL7 AR); `message` is then empty.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/hl7v2/charset.hpp"
#include "plugins/hl7v2/message.hpp"
#include "plugins/plugin_api.hpp"

namespace socialrx::plugins::hl7v2 {

struct ParseLimits {
  std::size_t max_bytes = 4 * 1024 * 1024;   // the whole message, raw
  std::size_t max_segments = 10'000;
  std::size_t max_field_bytes = 64 * 1024;   // one field, decoded, before unescaping
};

struct ParseResult {
  std::optional<Message> message;   // set when there is no error issue
  std::vector<PluginIssue> issues;  // errors (then no message) and warnings
  bool charset_known = false;       // MSH-18 was read and understood
  Charset charset;                  // when charset_known: what the bytes were decoded from
  std::string declared_charset;     // MSH-18 as sent, when it could be read
};

ParseResult parse(std::string_view bytes, const ParseLimits& limits = {});

// The second half of parse(), for text that is already UTF-8 (read_header decodes only the MSH
// segment): splits and unescapes. \X escapes are decoded in `charset`.
ParseResult parse_decoded(std::string_view utf8, const Delimiters& delimiters,
                          const Charset& charset, std::string declared_charset,
                          const ParseLimits& limits = {});

// The delimiters MSH-1/MSH-2 of `bytes` declare (after leading CR/LF), or nullopt with an issue
// when there is no usable MSH. Shared by the parser, read_header and build_ack.
std::optional<Delimiters> read_delimiters(std::string_view bytes, PluginIssue* problem = nullptr);

// `bytes` without a leading UTF-8 byte order mark and CR / LF (what some senders put before MSH;
// HL7 v2 says nothing of a BOM, Windows tools write one).
std::string_view skip_leading_line_breaks(std::string_view bytes);

}  // namespace socialrx::plugins::hl7v2
