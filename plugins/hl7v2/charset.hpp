#pragma once
// Text encodings of HL7 v2 messages from Japanese EHRs, on ICU.
//
// A message is decoded to UTF-8 as a whole BEFORE it is split on delimiters: a JIS X 0208 pair
// inside ESC $ B … ESC ( B, or a CP932 trail byte, can be the byte of | ^ ~ \ & (表 is 0x95 0x5C
// in CP932). Only MSH-1..MSH-18 are read from the raw bytes, charset-aware (charset_of_header),
// to learn which encoding the rest is in.
//
// MSH-18 values taken (HL7 table 0211; JAHIS / SS-MIX2 send `~ISO IR87`): see the README and
// charset.cpp. Decoding is strict: a byte that does not decode in the declared charset fails the
// message (the caller rejects it), reported by its byte offset, never by its content.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/hl7v2/message.hpp"
#include "plugins/plugin_api.hpp"

namespace socialrx::plugins::hl7v2 {

// The first CR or LF at or after `from` (npos if none). By hand: string_view::find_first_of
// calls memchr on the two-character set once per byte of the text.
inline std::size_t find_line_break(std::string_view text, std::size_t from = 0) {
  for (std::size_t i = from; i < text.size(); ++i) {
    if (text[i] == '\r' || text[i] == '\n') return i;
  }
  return std::string_view::npos;
}

struct Charset {
  enum class Kind {
    ascii,        // ISO IR6 / ASCII: bytes 0x00–0x7F only
    utf8,         // UNICODE UTF-8
    iso_2022_jp,  // ISO IR87 (JIS X 0208 in ESC $ B … ESC ( B; also ESC ( J, ESC ( I, ISO IR159)
    cp932,        // Shift_JIS as Windows writes it (NEC and IBM extensions: ① ㈱ 髙)
    jis_x0201,    // ISO IR13 / ISO IR14 alone: ASCII + half-width katakana as bytes 0xA1–0xDF
  };
  Kind kind = Kind::ascii;
  // ISO IR87 together with ISO IR13: half-width katakana may also come as 8-bit bytes
  // 0xA1–0xDF (JIS X 0201 katakana in G1) between the 7-bit ISO 2022 text.
  bool eight_bit_katakana = false;

  // "US-ASCII", "UTF-8", "ISO-2022-JP", "ISO-2022-JP+ISO-IR-13", "CP932", "JIS_X0201": what the
  // inbound store records and MessageHeader::charset says.
  std::string name() const;
  friend bool operator==(const Charset&, const Charset&) = default;
};

// The charset a message is in, from MSH-18 read on the raw bytes, or guessed when MSH-18 is empty.
struct CharsetDetection {
  bool ok = false;            // false: MSH-18 names something unsupported, or no MSH to read
  Charset charset;
  std::string declared;       // MSH-18 as sent (ASCII; "" when empty or absent)
  std::vector<PluginIssue> issues;  // errors when !ok; a warning when the charset was guessed
};

// Reads MSH-18 from `bytes` (a whole message, or at least its MSH segment) with these
// delimiters, skipping ISO 2022 double-byte runs and CP932 double-byte pairs so that a trail
// byte is never taken for a separator. Empty MSH-18: ESC present → ISO-2022-JP, valid UTF-8
// with non-ASCII bytes → UTF-8, other non-ASCII bytes → CP932 (each with a warning at MSH-18),
// pure ASCII → US-ASCII (HL7's default, no warning).
CharsetDetection detect_charset(std::string_view bytes, const Delimiters& delimiters);

// Maps one MSH-18 value (all its repetitions, as sent) to a charset; false when unsupported.
bool charset_from_msh18(std::string_view msh18, char repetition, Charset& out);

struct Decoded {
  bool ok = false;
  std::string utf8;
  std::size_t error_offset = 0;  // when !ok: the offset of the first byte that did not decode
};
// Bytes in `charset` → UTF-8. Strict: the first byte sequence that is ill-formed, truncated or
// has no Unicode mapping stops it (ok = false).
Decoded decode_to_utf8(std::string_view bytes, const Charset& charset);

// UTF-8 → bytes in `charset`, for ACKs and encoders. Never fails: a character the charset cannot
// carry becomes '?', ill-formed UTF-8 becomes '?' too. ISO-2022-JP
// output returns to ASCII (ESC ( B) before every CR and at the end, as JIS text must; half-width
// katakana become full-width there unless eight_bit_katakana is set.
std::string encode_from_utf8(std::string_view utf8, const Charset& charset);

}  // namespace socialrx::plugins::hl7v2
