#pragma once
// The character encoding of a directory file. Japanese offices export CSV from Excel either as
// UTF-8 (often with a BOM) or as Shift_JIS — in practice Microsoft's CP932 (Windows-31J), which
// adds NEC and IBM extensions (①, ㈱, 髙…) to JIS X 0208. Rule: bytes that are valid UTF-8 are
// UTF-8 (CP932 text with any kanji is almost never valid UTF-8), everything else goes through
// ICU's windows-31j converter, which stops at the first byte sequence it cannot map.

#include <cstddef>
#include <string>
#include <string_view>

namespace socialrx::gateway::directory {

struct DecodedText {
  bool ok = false;
  std::string utf8;      // the text as UTF-8, without a BOM
  std::string encoding;  // "UTF-8", "UTF-8 with BOM" or "CP932"
  std::string problem;   // when !ok: why, with the byte offset (no content is quoted)
};

// Never throws on bad input.
DecodedText decode_directory_bytes(std::string_view bytes);

// Whether `bytes` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view bytes);

}  // namespace socialrx::gateway::directory
