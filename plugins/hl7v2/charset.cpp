#include "plugins/hl7v2/charset.hpp"

// ICU converters used (checked with ICU 72's converter alias table, `uconv --list-code`, and by
// converting sample bytes; the tests pin each behaviour):
// - ISO-2022-JP, decoding: "ISO_2022,locale=ja,version=1" (alias ISO-2022-JP-1). It takes
//   ESC ( B ASCII, ESC ( J JIS X 0201 Roman, ESC ( I JIS X 0201 katakana (half-width kana,
//   7-bit), ESC $ @ / ESC $ B JIS X 0208 (with the NEC row 13: ① is 0x2D21), and ESC $ ( D
//   JIS X 0212 (what MSH-18 `ISO IR159` announces). Version 0 (plain "ISO-2022-JP") refuses
//   JIS X 0212, which some EHRs use for rare kanji. A CR or LF returns ICU to ASCII, as RFC 1468
//   says every line must; this file's header scan does the same.
// - ISO-2022-JP, encoding: version 0 (what JAHIS asks for: ASCII + JIS X 0208), with ICU's
//   fallbacks on so that half-width katakana become their full-width JIS X 0208 forms.
// - CP932: "windows-31j" = ibm-943_P15A-2003 (ICU's "Shift_JIS" is the same table): NEC row 13
//   (①, ㈱), NEC-selected and IBM extensions (髙 0xFBFC), 0x5C = U+005C and 0x7E = U+007E, 0x815F
//   = U+FF3C. Unassigned pairs (0x8540) do not decode.
// - UTF-8 and ASCII are checked here without ICU (U8_NEXT), to give exact byte offsets cheaply.
// Converters are not thread-safe and costly to open, so each thread keeps one per kind.

#include <unicode/ucnv.h>
#include <unicode/ucnv_err.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

#include <array>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>

namespace socialrx::plugins::hl7v2 {
namespace {

constexpr unsigned char kEsc = 0x1B;
constexpr unsigned char kHalfwidthKatakanaByteFirst = 0xA1;  // ｡ in JIS X 0201 G1
constexpr unsigned char kHalfwidthKatakanaByteLast = 0xDF;   // ﾟ
constexpr UChar32 kHalfwidthKatakanaFirst = 0xFF61;
constexpr UChar32 kHalfwidthKatakanaLast = 0xFF9F;

bool is_halfwidth_katakana_byte(unsigned char byte) {
  return byte >= kHalfwidthKatakanaByteFirst && byte <= kHalfwidthKatakanaByteLast;
}

struct ConverterCloser {
  void operator()(UConverter* converter) const { ucnv_close(converter); }
};
using ConverterPtr = std::unique_ptr<UConverter, ConverterCloser>;

enum class Converter { iso_2022_jp_decode, iso_2022_jp_encode, cp932, ascii, count };

const char* icu_name(Converter converter) {
  switch (converter) {
    case Converter::iso_2022_jp_decode: return "ISO_2022,locale=ja,version=1";
    case Converter::iso_2022_jp_encode: return "ISO_2022,locale=ja,version=0";
    case Converter::cp932: return "windows-31j";
    case Converter::ascii:
    case Converter::count: break;
  }
  return "US-ASCII";
}

// This thread's converter, reset; null only if ICU's data is missing (a broken build).
UConverter* thread_converter(Converter which) {
  thread_local std::array<ConverterPtr, static_cast<std::size_t>(Converter::count)> converters;
  ConverterPtr& slot = converters[static_cast<std::size_t>(which)];
  if (!slot) {
    UErrorCode status = U_ZERO_ERROR;
    UConverter* opened = ucnv_open(icu_name(which), &status);
    if (U_FAILURE(status)) {
      if (opened != nullptr) ucnv_close(opened);
      return nullptr;
    }
    slot.reset(opened);
  }
  ucnv_reset(slot.get());
  return slot.get();
}

void append_utf8(std::string& out, UChar32 c) {
  char buffer[U8_MAX_LENGTH];
  int32_t length = 0;
  UBool error = false;
  U8_APPEND(buffer, length, U8_MAX_LENGTH, c, error);
  if (!error) out.append(buffer, static_cast<std::size_t>(length));
}

// One conversion per buffer (not per character): this is most of the decoding time otherwise.
void append_utf16_as_utf8(std::string& out, const UChar* text, int32_t length) {
  if (length <= 0) return;
  const std::size_t old_size = out.size();
  out.resize(old_size + static_cast<std::size_t>(length) * 3);
  int32_t written = 0;
  UErrorCode status = U_ZERO_ERROR;
  u_strToUTF8WithSub(out.data() + old_size, length * 3, &written, text, length, 0xFFFD, nullptr,
                     &status);
  out.resize(U_SUCCESS(status) ? old_size + static_cast<std::size_t>(written) : old_size);
}

// Feeds `bytes` to an ICU converter (state kept across calls unless flush). Returns false and
// sets error_offset (relative to `base`) at the first bad sequence.
bool icu_decode_run(UConverter* converter, std::string_view bytes, bool flush, std::string& out,
                    const char* base, std::size_t& error_offset) {
  std::array<UChar, 1024> buffer{};
  const char* source = bytes.data();
  const char* const source_limit = bytes.data() + bytes.size();
  for (;;) {
    UChar* target = buffer.data();
    UErrorCode status = U_ZERO_ERROR;
    ucnv_toUnicode(converter, &target, buffer.data() + buffer.size(), &source, source_limit,
                   nullptr, flush, &status);
    append_utf16_as_utf8(out, buffer.data(), static_cast<int32_t>(target - buffer.data()));
    if (status == U_BUFFER_OVERFLOW_ERROR) continue;
    if (U_SUCCESS(status)) return true;
    char invalid[32];
    int8_t invalid_length = sizeof invalid;
    UErrorCode ignored = U_ZERO_ERROR;
    ucnv_getInvalidChars(converter, invalid, &invalid_length, &ignored);
    if (U_FAILURE(ignored)) invalid_length = 0;
    const std::size_t consumed = static_cast<std::size_t>(source - base);
    const std::size_t back = static_cast<std::size_t>(invalid_length);
    error_offset = consumed >= back ? consumed - back : 0;
    return false;
  }
}

// The offset of the first byte that is not part of well-formed UTF-8 (or is ESC), if any.
std::optional<std::size_t> first_invalid_utf8(std::string_view bytes) {
  const auto* s = reinterpret_cast<const uint8_t*>(bytes.data());
  const auto length = static_cast<int64_t>(bytes.size());
  int64_t i = 0;
  while (i < length) {
    const int64_t start = i;
    if (s[i] < 0x80) {
      if (s[i] == kEsc) return static_cast<std::size_t>(start);
      ++i;
      continue;
    }
    // U8_NEXT takes int32_t indexes: walk in windows so any size works.
    const int32_t window = static_cast<int32_t>(std::min<int64_t>(length - start, 4));
    int32_t j = 0;
    UChar32 c = 0;
    U8_NEXT(s + start, j, window, c);
    if (c < 0) return static_cast<std::size_t>(start);
    i = start + j;
  }
  return std::nullopt;
}

Decoded decode_utf8(std::string_view bytes) {
  Decoded result;
  if (const std::optional<std::size_t> bad = first_invalid_utf8(bytes)) {
    result.error_offset = *bad;
    return result;
  }
  result.ok = true;
  result.utf8.assign(bytes);
  return result;
}

Decoded decode_ascii(std::string_view bytes) {
  Decoded result;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto byte = static_cast<unsigned char>(bytes[i]);
    if (byte >= 0x80 || byte == kEsc) {
      result.error_offset = i;
      return result;
    }
  }
  result.ok = true;
  result.utf8.assign(bytes);
  return result;
}

// ICU for everything but 8-bit half-width katakana bytes (when the charset allows them), which
// map one to one onto U+FF61..U+FF9F.
Decoded decode_with_icu(std::string_view bytes, Converter which, bool eight_bit_katakana,
                        bool refuse_escape) {
  Decoded result;
  if (refuse_escape) {
    if (const void* esc = std::memchr(bytes.data(), kEsc, bytes.size())) {
      result.error_offset = static_cast<std::size_t>(static_cast<const char*>(esc) - bytes.data());
      return result;
    }
  }
  UConverter* converter = thread_converter(which);
  if (converter == nullptr) return result;
  UErrorCode status = U_ZERO_ERROR;
  ucnv_setToUCallBack(converter, UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &status);
  result.utf8.reserve(bytes.size() + bytes.size() / 2);
  std::size_t run_start = 0;
  if (eight_bit_katakana) {
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      const auto byte = static_cast<unsigned char>(bytes[i]);
      if (!is_halfwidth_katakana_byte(byte)) continue;
      if (!icu_decode_run(converter, bytes.substr(run_start, i - run_start), false, result.utf8,
                          bytes.data(), result.error_offset)) {
        return result;
      }
      append_utf8(result.utf8, kHalfwidthKatakanaFirst + (byte - kHalfwidthKatakanaByteFirst));
      run_start = i + 1;
    }
  }
  if (!icu_decode_run(converter, bytes.substr(run_start), true, result.utf8, bytes.data(),
                      result.error_offset)) {
    return result;
  }
  result.ok = true;
  return result;
}

std::string normalized_token(std::string_view token) {
  std::string out;
  for (const char c : token) {
    if (c == ' ' || c == '_' || c == '-' || c == '\t') continue;
    out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return out;
}

PluginIssue make_issue(PluginIssue::Severity severity, std::string code, std::string location,
                       std::string diagnostics) {
  PluginIssue issue;
  issue.severity = severity;
  issue.code = std::move(code);
  issue.location = std::move(location);
  issue.diagnostics = std::move(diagnostics);
  return issue;
}

// The header scan's view of the bytes: which ones may be separators.
enum class ScanMode { plain, iso_2022, shift_jis };

}  // namespace

std::string Charset::name() const {
  switch (kind) {
    case Kind::ascii: return "US-ASCII";
    case Kind::utf8: return "UTF-8";
    case Kind::iso_2022_jp: return eight_bit_katakana ? "ISO-2022-JP+ISO-IR-13" : "ISO-2022-JP";
    case Kind::cp932: return "CP932";
    case Kind::jis_x0201: return "JIS_X0201";
  }
  return "US-ASCII";
}

bool charset_from_msh18(std::string_view msh18, char repetition, Charset& out) {
  bool ascii = false, utf8 = false, iso = false, katakana = false, cp932 = false;
  std::size_t start = 0;
  while (start <= msh18.size()) {
    std::size_t end = msh18.find(repetition, start);
    if (end == std::string_view::npos) end = msh18.size();
    const std::string token = normalized_token(msh18.substr(start, end - start));
    start = end + 1;
    if (token.empty()) {
      // `~ISO IR87`: the first repetition is the default set (ASCII), left empty.
    } else if (token == "ISOIR6" || token == "ASCII") {
      ascii = true;
    } else if (token == "ISOIR87" || token == "ISOIR159" || token == "ISO2022JP" ||
               token == "JISX0202") {
      iso = true;
    } else if (token == "ISOIR13" || token == "ISOIR14") {
      katakana = true;
    } else if (token == "UNICODEUTF8" || token == "UTF8") {
      utf8 = true;
    } else if (token == "SHIFTJIS" || token == "SJIS" || token == "CP932" ||
               token == "WINDOWS31J" || token == "MSKANJI") {
      cp932 = true;
    } else {
      return false;
    }
  }
  (void)ascii;  // ASCII is part of every charset below
  if (static_cast<int>(utf8) + static_cast<int>(iso) + static_cast<int>(cp932) > 1) return false;
  if (utf8 && katakana) return false;
  Charset charset;
  if (utf8) {
    charset.kind = Charset::Kind::utf8;
  } else if (cp932) {
    charset.kind = Charset::Kind::cp932;  // CP932 has the half-width kana bytes itself
  } else if (iso) {
    charset.kind = Charset::Kind::iso_2022_jp;
    charset.eight_bit_katakana = katakana;
  } else if (katakana) {
    charset.kind = Charset::Kind::jis_x0201;
  } else {
    charset.kind = Charset::Kind::ascii;
  }
  out = charset;
  return true;
}

CharsetDetection detect_charset(std::string_view bytes, const Delimiters& delimiters) {
  CharsetDetection detection;
  std::string_view segment = bytes.substr(0, find_line_break(bytes));
  if (segment.size() < 4 || segment.substr(0, 3) != "MSH") {
    detection.issues.push_back(make_issue(PluginIssue::Severity::error, "structure", "MSH",
                                          "The message does not begin with an MSH segment."));
    return detection;
  }
  ScanMode mode = ScanMode::plain;
  if (segment.find(static_cast<char>(kEsc)) != std::string_view::npos) {
    mode = ScanMode::iso_2022;
  } else if (first_invalid_utf8(segment)) {
    mode = ScanMode::shift_jis;
  }
  // MSH-1 is the separator at offset 3; MSH-2 starts after it.
  int field = 2;
  bool single_byte = true;  // ISO 2022: in ASCII / JIS X 0201 Roman
  bool readable = true;     // MSH-18 held only bytes that can be ASCII text
  std::string msh18;
  for (std::size_t i = 4; i < segment.size() && field <= 18; ++i) {
    const auto byte = static_cast<unsigned char>(segment[i]);
    if (mode == ScanMode::iso_2022 && byte == kEsc) {
      // ESC, intermediates 0x20–0x2F, one final byte 0x30–0x7E.
      std::size_t j = i + 1;
      while (j < segment.size() && segment[j] >= 0x20 && segment[j] <= 0x2F) ++j;
      const std::string_view sequence = segment.substr(i + 1, j - i - 1);
      const char final_byte = j < segment.size() ? segment[j] : '\0';
      single_byte = sequence == "(" && (final_byte == 'B' || final_byte == 'J');
      if (field == 18) readable = false;
      i = j;
      continue;
    }
    if (mode == ScanMode::iso_2022 && !single_byte) {
      if (field == 18) readable = false;
      continue;
    }
    if (mode == ScanMode::shift_jis &&
        ((byte >= 0x81 && byte <= 0x9F) || (byte >= 0xE0 && byte <= 0xFC))) {
      if (field == 18) readable = false;
      ++i;  // the trail byte, whatever it looks like
      continue;
    }
    if (byte == static_cast<unsigned char>(delimiters.field)) {
      ++field;
      continue;
    }
    if (field == 18) {
      if (byte >= 0x80) readable = false;
      msh18.push_back(static_cast<char>(byte));
    }
  }
  if (!readable) {
    detection.issues.push_back(make_issue(PluginIssue::Severity::error, "not-supported", "MSH-18",
                                          "MSH-18 (character set) is not plain ASCII text."));
    return detection;
  }
  detection.declared = msh18;
  if (normalized_token(msh18).find_first_not_of(std::string(1, delimiters.repetition)) ==
      std::string::npos) {
    // Empty: guess from the bytes, and say so.
    const bool has_escape = bytes.find(static_cast<char>(kEsc)) != std::string_view::npos;
    bool non_ascii = false;
    for (const char c : bytes) {
      if (static_cast<unsigned char>(c) >= 0x80) {
        non_ascii = true;
        break;
      }
    }
    if (has_escape) {
      detection.charset.kind = Charset::Kind::iso_2022_jp;
      detection.issues.push_back(make_issue(
          PluginIssue::Severity::warning, "informational", "MSH-18",
          "MSH-18 (character set) is empty; the message contains ISO 2022 escape sequences and "
          "was read as ISO-2022-JP."));
    } else if (non_ascii && !first_invalid_utf8(bytes)) {
      detection.charset.kind = Charset::Kind::utf8;
      detection.issues.push_back(make_issue(
          PluginIssue::Severity::warning, "informational", "MSH-18",
          "MSH-18 (character set) is empty; the message is valid UTF-8 and was read as UTF-8."));
    } else if (non_ascii) {
      detection.charset.kind = Charset::Kind::cp932;
      detection.issues.push_back(make_issue(
          PluginIssue::Severity::warning, "informational", "MSH-18",
          "MSH-18 (character set) is empty; the message is not UTF-8 and was read as CP932 "
          "(Shift_JIS)."));
    } else {
      detection.charset.kind = Charset::Kind::ascii;
    }
    detection.ok = true;
    return detection;
  }
  if (!charset_from_msh18(msh18, delimiters.repetition, detection.charset)) {
    detection.issues.push_back(make_issue(
        PluginIssue::Severity::error, "not-supported", "MSH-18",
        "MSH-18 names a character set this plugin does not read (it reads ISO IR87, ISO IR159, "
        "ISO IR13, ISO IR14, ISO IR6, UNICODE UTF-8 and Shift_JIS/CP932)."));
    return detection;
  }
  detection.ok = true;
  return detection;
}

Decoded decode_to_utf8(std::string_view bytes, const Charset& charset) {
  switch (charset.kind) {
    case Charset::Kind::ascii: return decode_ascii(bytes);
    case Charset::Kind::utf8: return decode_utf8(bytes);
    case Charset::Kind::iso_2022_jp:
      return decode_with_icu(bytes, Converter::iso_2022_jp_decode, charset.eight_bit_katakana,
                             false);
    case Charset::Kind::cp932: return decode_with_icu(bytes, Converter::cp932, false, true);
    case Charset::Kind::jis_x0201: return decode_with_icu(bytes, Converter::ascii, true, true);
  }
  return {};
}

namespace {

// Appends `text` (UTF-16) converted by an ICU converter; unmappable characters become '?'.
void icu_encode_run(UConverter* converter, const UChar* text, int32_t length, bool flush,
                    std::string& out) {
  std::array<char, 1024> buffer{};
  const UChar* source = text;
  const UChar* const source_limit = text + length;
  for (;;) {
    char* target = buffer.data();
    UErrorCode status = U_ZERO_ERROR;
    ucnv_fromUnicode(converter, &target, buffer.data() + buffer.size(), &source, source_limit,
                     nullptr, flush, &status);
    out.append(buffer.data(), static_cast<std::size_t>(target - buffer.data()));
    if (status == U_BUFFER_OVERFLOW_ERROR) continue;
    return;  // the substitute callback never fails
  }
}

// UTF-8 → UTF-16 with '?' for ill-formed input.
std::u16string to_utf16(std::string_view utf8) {
  std::u16string out;
  out.reserve(utf8.size());
  const auto* s = reinterpret_cast<const uint8_t*>(utf8.data());
  const auto length = static_cast<int64_t>(utf8.size());
  int64_t i = 0;
  while (i < length) {
    const int32_t window = static_cast<int32_t>(std::min<int64_t>(length - i, 4));
    int32_t j = 0;
    UChar32 c = 0;
    U8_NEXT(s + i, j, window, c);
    i += j;
    if (c < 0) c = '?';
    if (c <= 0xFFFF) {
      out.push_back(static_cast<char16_t>(c));
    } else {
      out.push_back(static_cast<char16_t>(U16_LEAD(c)));
      out.push_back(static_cast<char16_t>(U16_TRAIL(c)));
    }
  }
  return out;
}

std::string encode_with_icu(std::string_view utf8, Converter which, bool eight_bit_katakana) {
  std::string out;
  UConverter* converter = thread_converter(which);
  const std::u16string text = to_utf16(utf8);
  if (converter == nullptr) {
    for (const char16_t c : text) out.push_back(c < 0x80 ? static_cast<char>(c) : '?');
    return out;
  }
  UErrorCode status = U_ZERO_ERROR;
  ucnv_setSubstChars(converter, "?", 1, &status);
  ucnv_setFallback(converter, true);
  status = U_ZERO_ERROR;
  ucnv_setFromUCallBack(converter, UCNV_FROM_U_CALLBACK_SUBSTITUTE, nullptr, nullptr, nullptr,
                        &status);
  const auto* data = reinterpret_cast<const UChar*>(text.data());
  const auto length = static_cast<int32_t>(text.size());
  int32_t run_start = 0;
  if (eight_bit_katakana) {
    for (int32_t i = 0; i < length; ++i) {
      const UChar c = data[i];
      if (c < kHalfwidthKatakanaFirst || c > kHalfwidthKatakanaLast) continue;
      icu_encode_run(converter, data + run_start, i - run_start, false, out);
      out.push_back(static_cast<char>(kHalfwidthKatakanaByteFirst + (c - kHalfwidthKatakanaFirst)));
      run_start = i + 1;
    }
  }
  icu_encode_run(converter, data + run_start, length - run_start, true, out);
  return out;
}

}  // namespace

std::string encode_from_utf8(std::string_view utf8, const Charset& charset) {
  switch (charset.kind) {
    case Charset::Kind::utf8: {
      if (!first_invalid_utf8(utf8)) return std::string(utf8);
      std::string out;
      const std::u16string text = to_utf16(utf8);
      append_utf16_as_utf8(out, reinterpret_cast<const UChar*>(text.data()),
                           static_cast<int32_t>(text.size()));
      return out;
    }
    case Charset::Kind::ascii: return encode_with_icu(utf8, Converter::ascii, false);
    case Charset::Kind::iso_2022_jp:
      return encode_with_icu(utf8, Converter::iso_2022_jp_encode, charset.eight_bit_katakana);
    case Charset::Kind::cp932: return encode_with_icu(utf8, Converter::cp932, false);
    case Charset::Kind::jis_x0201: return encode_with_icu(utf8, Converter::ascii, true);
  }
  return std::string(utf8);
}

}  // namespace socialrx::plugins::hl7v2
