#pragma once
// The stream fhir/json.cpp gives RapidJSON's reader: its in-situ string stream as a type of our
// own, which checks UTF-8 itself and reads strings and whitespace in 16-byte steps.
//
// Why: RapidJSON reads every string byte by byte, and validates UTF-8 (kParseValidateEncodingFlag)
// only that way; it has faster paths only when the whole program is built with RAPIDJSON_SSE2
// (and even then not while validating), and defining that in one file would give two different
// definitions of its inline functions. Specializations for a type of ours change nothing
// anywhere else:
//   - GenericReader::ScanCopyUnescapedString, RapidJSON's hook for skipping (after an escape:
//     moving down) the plain run of a string before it looks at the next character itself. Here
//     the run goes up to a '"', a '\', a control character or an ill-formed UTF-8 sequence, and
//     checks the well-formed ones on the way. RapidJSON then handles that character as before.
//     The first ill-formed sequence is noted in StringScan; the Parser refuses the string when
//     it ends, and parse_text reports it as the validating reader did, at the same offset.
//   - SkipWhitespace: indentation is about a third of a pretty-printed resource.

#include <rapidjson/reader.h>

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace socialrx::fhir::json {

// What the stream saw inside strings; shared by the stream's copies (RapidJSON copies the stream
// into locals) and read by the Parser when a string ends.
struct StringScan {
  const char* ill_formed = nullptr;  // the first ill-formed UTF-8 sequence, if any
  bool escape = false;               // a '\' since the Parser last cleared it
};

struct CheckedInsituStream : rapidjson::InsituStringStream {
  CheckedInsituStream(char* begin, const char* end, StringScan& scan)
      : rapidjson::InsituStringStream(begin), end_(end), scan_(&scan) {}
  const char* end_;  // the text's terminating NUL: nothing after it is read
  StringScan* scan_;
};

inline bool utf8_tail(unsigned char c) { return (c & 0xC0) == 0x80; }

// The length of the well-formed UTF-8 sequence at p (p[0] >= 0x80), or 0. The ranges of
// RapidJSON's UTF8::Validate (Hoehrmann's DFA): no overlongs, surrogates or code points above
// U+10FFFF. Reads stop at the first byte that is not a tail (the terminating NUL at the latest).
inline std::size_t utf8_sequence_length(const unsigned char* p) {
  const unsigned char c = p[0];
  if (c >= 0xE0 && c <= 0xEF) {  // first: Japanese text is three-byte sequences
    if (!utf8_tail(p[1]) || !utf8_tail(p[2])) return 0;
    if (c == 0xE0 && p[1] < 0xA0) return 0;  // overlong
    if (c == 0xED && p[1] > 0x9F) return 0;  // a surrogate
    return 3;
  }
  if (c >= 0xC2 && c <= 0xDF) return utf8_tail(p[1]) ? 2 : 0;
  if (c >= 0xF0 && c <= 0xF4) {
    if (!utf8_tail(p[1]) || !utf8_tail(p[2]) || !utf8_tail(p[3])) return 0;
    if (c == 0xF0 && p[1] < 0x90) return 0;  // overlong
    if (c == 0xF4 && p[1] > 0x8F) return 0;  // beyond U+10FFFF
    return 4;
  }
  return 0;  // a continuation byte, C0, C1 or F5..FF
}

// The first byte at or after p that is '"', '\', below 0x20 (the NUL at end at the latest) or
// not ASCII.
inline const char* skip_plain_ascii(const char* p, const char* end) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i control_max = _mm_set1_epi8(0x1F);
  while (end - p >= 16) {  // loads that stay before end
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    __m128i stop = _mm_or_si128(_mm_cmpeq_epi8(bytes, quote), _mm_cmpeq_epi8(bytes, backslash));
    stop = _mm_or_si128(stop, _mm_cmpeq_epi8(_mm_min_epu8(bytes, control_max), bytes));  // <= 0x1F
    // The sign bits of the bytes themselves are the non-ASCII ones.
    const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(stop) | _mm_movemask_epi8(bytes));
    if (mask != 0) return p + __builtin_ctz(mask);
    p += 16;
  }
#endif
  while (static_cast<unsigned char>(*p) >= 0x20 && static_cast<unsigned char>(*p) < 0x80 &&
         *p != '"' && *p != '\\') {
    ++p;
  }
  return p;
}

// The end of the plain run of a string at p: the first '"', '\', byte below 0x20 or ill-formed
// UTF-8 sequence (noted in scan).
inline const char* plain_string_end(const char* p, const char* end, StringScan& scan) {
  for (;;) {
    p = skip_plain_ascii(p, end);
    if (static_cast<unsigned char>(*p) < 0x80) {
      if (*p == '\\') scan.escape = true;
      return p;
    }
    // Runs of three-byte sequences E1..EC/EE..EF (E0 and ED have narrower second bytes), one
    // four-byte load each: lead 1110xxxx, then two 10xxxxxx. The fourth byte is at most the
    // terminating NUL (end - p >= 3).
    if constexpr (std::endian::native == std::endian::little) {
      while (end - p >= 3) {
        std::uint32_t word;
        std::memcpy(&word, p, 4);
        const std::uint32_t lead = word & 0xFFu;
        if ((word & 0xC0C0F0u) != 0x8080E0u || lead == 0xE0 || lead == 0xED) break;
        p += 3;
      }
    }
    if (static_cast<unsigned char>(*p) < 0x80) continue;
    const std::size_t length = utf8_sequence_length(reinterpret_cast<const unsigned char*>(p));
    if (length == 0) {
      if (scan.ill_formed == nullptr) scan.ill_formed = p;
      return p;
    }
    p += length;
  }
}

// ' ', '\n', '\r' or '\t': one comparison and a bit test instead of four comparisons.
inline bool is_json_whitespace(char c) {
  constexpr std::uint64_t kWhitespace = (1ull << ' ') | (1ull << '\n') | (1ull << '\r') | (1ull << '\t');
  const auto byte = static_cast<unsigned char>(c);
  return byte <= ' ' && ((kWhitespace >> byte) & 1u) != 0;
}

// The first byte after p (whitespace) that is not JSON whitespace (the NUL at end at the latest).
[[gnu::noinline]] inline char* skip_json_whitespace(char* p, const char* end) {
  ++p;
  if (!is_json_whitespace(*p)) return p;  // the one space after a colon
#if defined(__SSE2__)
  const __m128i space = _mm_set1_epi8(' ');
  const __m128i newline = _mm_set1_epi8('\n');
  const __m128i carriage = _mm_set1_epi8('\r');
  const __m128i tab = _mm_set1_epi8('\t');
  while (end - p >= 16) {  // loads that stay before end
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    __m128i white = _mm_or_si128(_mm_cmpeq_epi8(bytes, space), _mm_cmpeq_epi8(bytes, newline));
    white = _mm_or_si128(white, _mm_or_si128(_mm_cmpeq_epi8(bytes, carriage), _mm_cmpeq_epi8(bytes, tab)));
    const unsigned other = ~static_cast<unsigned>(_mm_movemask_epi8(white)) & 0xFFFFu;
    if (other != 0) return p + __builtin_ctz(other);
    p += 16;
  }
#endif
  while (is_json_whitespace(*p)) ++p;
  return p;
}

}  // namespace socialrx::fhir::json

namespace rapidjson {

// Copied into locals inside the reader's loops, as RapidJSON does with its InsituStringStream
// (StringScan is shared through the pointer).
template <>
struct StreamTraits<socialrx::fhir::json::CheckedInsituStream> {
  enum { copyOptimization = 1 };
};

template <>
inline void SkipWhitespace(socialrx::fhir::json::CheckedInsituStream& is) {
  // Most calls find none: that test inline, the skipping out of line.
  if (socialrx::fhir::json::is_json_whitespace(*is.src_)) {
    is.src_ = socialrx::fhir::json::skip_json_whitespace(is.src_, is.end_);
  }
}

// Called by ParseStringToStream (read without kParseValidateEncodingFlag) each time before it
// looks at the next character of a string itself; `is` and `os` are the same stream, reading
// at src_ and writing at dst_ (behind src_ once an escape was decoded).
template <>
template <>
inline void GenericReader<UTF8<>, UTF8<>, CrtAllocator>::ScanCopyUnescapedString(
    socialrx::fhir::json::CheckedInsituStream& is, socialrx::fhir::json::CheckedInsituStream& os) {
  (void)os;
  const char* run_end = socialrx::fhir::json::plain_string_end(is.src_, is.end_, *is.scan_);
  const auto length = static_cast<std::size_t>(run_end - is.src_);
  if (is.dst_ != is.src_) std::memmove(is.dst_, is.src_, length);
  is.src_ += length;
  is.dst_ += length;
}

}  // namespace rapidjson
