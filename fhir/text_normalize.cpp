#include "fhir/text_normalize.hpp"

// What comes from ICU and what is done by hand, and why:
// - NFKC: icu::Normalizer2 (NFKC instance).
// - Full-width ASCII: icu::FilteredNormalizer2 = NFKC restricted to U+FF01..U+FF5E, so exactly
//   the full-width ASCII forms fold and nothing else does (ICU's "Fullwidth-Halfwidth"
//   transliterator would also turn full-width katakana into half-width, the opposite of what JP
//   Core wants).
// - Half-width katakana: each kana takes its NFKC decomposition from ICU, and the voiced marks
//   are joined with NFC's composePair. The loop around them is by hand because neither ICU route
//   does all of it: a FilteredNormalizer2 cannot compose a half-width mark with a full-width kana
//   outside its filter (カﾞ), and NFKC leaves a mark that nothing can carry as a combining U+3099,
//   which renders on the neighbouring character; a spacing ゛ is what the writer meant.
// - Hiragana → katakana: ICU's "Hiragana-Katakana" transliterator, filtered to the Hiragana
//   script. Transliterators are not safe to share between threads, so each thread keeps its own.
// - White space: ICU's White_Space property (u_isUWhiteSpace).

#include <unicode/normalizer2.h>
#include <unicode/translit.h>
#include <unicode/uchar.h>
#include <unicode/uniset.h>
#include <unicode/unistr.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

#include <cstdint>
#include <memory>

namespace socialrx::fhir::jp {
namespace {

constexpr UChar32 kReplacementCharacter = 0xFFFD;
constexpr UChar32 kIdeographicSpace = 0x3000;
constexpr UChar32 kHalfwidthKatakanaFirst = 0xFF61;  // ｡
constexpr UChar32 kHalfwidthKatakanaLast = 0xFF9F;   // ﾟ
constexpr UChar32 kHalfwidthVoicedMark = 0xFF9E;     // ﾞ
constexpr UChar32 kHalfwidthSemiVoicedMark = 0xFF9F; // ﾟ
constexpr UChar32 kCombiningVoicedMark = 0x3099;
constexpr UChar32 kCombiningSemiVoicedMark = 0x309A;
constexpr UChar32 kSpacingVoicedMark = 0x309B;       // ゛
constexpr UChar32 kSpacingSemiVoicedMark = 0x309C;   // ゜

bool too_large(std::string_view utf8) { return utf8.size() > kMaxTextBytes; }

std::string replacement_only() {
  std::string out;
  icu::UnicodeString(kReplacementCharacter).toUTF8String(out);
  return out;
}

// Decodes UTF-8; ill-formed sequences become U+FFFD. Callers have checked too_large(), so the
// length fits ICU's int32_t.
icu::UnicodeString from_utf8(std::string_view utf8) {
  return icu::UnicodeString::fromUTF8(
      icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
}

std::string to_utf8(const icu::UnicodeString& text) {
  std::string out;
  text.toUTF8String(out);
  return out;
}

// ICU's built-in normalizers live in the statically linked ICU data and never fail to load; the
// null checks below only keep a broken build from crashing (text then passes through unchanged).
const icu::Normalizer2* nfkc_normalizer() {
  static const icu::Normalizer2* const instance = [] {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* normalizer = icu::Normalizer2::getNFKCInstance(status);
    return U_SUCCESS(status) ? normalizer : nullptr;
  }();
  return instance;
}

const icu::Normalizer2* nfkc_casefold_normalizer() {
  static const icu::Normalizer2* const instance = [] {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* normalizer = icu::Normalizer2::getNFKCCasefoldInstance(status);
    return U_SUCCESS(status) ? normalizer : nullptr;
  }();
  return instance;
}

const icu::Normalizer2* nfc_normalizer() {
  static const icu::Normalizer2* const instance = [] {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* normalizer = icu::Normalizer2::getNFCInstance(status);
    return U_SUCCESS(status) ? normalizer : nullptr;
  }();
  return instance;
}

// NFKC restricted to the full-width ASCII block. Built once; a frozen UnicodeSet and a
// FilteredNormalizer2 are safe to use from many threads.
const icu::Normalizer2* fullwidth_ascii_normalizer() {
  struct Folder {
    icu::UnicodeSet block{0xFF01, 0xFF5E};
    std::unique_ptr<icu::FilteredNormalizer2> normalizer;
  };
  static const Folder* const folder = [] {
    auto* built = new Folder;  // never freed: lives until exit, like ICU's own singletons
    built->block.freeze();
    if (const icu::Normalizer2* nfkc = nfkc_normalizer()) {
      built->normalizer = std::make_unique<icu::FilteredNormalizer2>(*nfkc, built->block);
    }
    return built;
  }();
  return folder->normalizer.get();
}

std::string normalize_with(const icu::Normalizer2* normalizer, std::string_view utf8) {
  if (too_large(utf8)) return replacement_only();
  icu::UnicodeString text = from_utf8(utf8);
  if (normalizer == nullptr) return to_utf8(text);
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString normalized = normalizer->normalize(text, status);
  return to_utf8(U_SUCCESS(status) ? normalized : text);
}

// Appends one code point, replacing the last one when a voiced mark composes with it.
void append_voiced_mark(icu::UnicodeString& out, UChar32 half_width_mark) {
  const bool voiced = half_width_mark == kHalfwidthVoicedMark;
  const UChar32 combining = voiced ? kCombiningVoicedMark : kCombiningSemiVoicedMark;
  if (!out.isEmpty()) {
    const int32_t last_start = out.moveIndex32(out.length(), -1);
    const UChar32 last = out.char32At(last_start);
    const icu::Normalizer2* nfc = nfc_normalizer();
    const UChar32 composed = nfc != nullptr ? nfc->composePair(last, combining) : U_SENTINEL;
    if (composed >= 0) {
      out.truncate(last_start);
      out.append(composed);
      return;
    }
  }
  out.append(voiced ? kSpacingVoicedMark : kSpacingSemiVoicedMark);
}

icu::UnicodeString widen_halfwidth_katakana(const icu::UnicodeString& text) {
  const icu::Normalizer2* nfkc = nfkc_normalizer();
  icu::UnicodeString out;
  for (int32_t i = 0; i < text.length();) {
    const UChar32 c = text.char32At(i);
    i += U16_LENGTH(c);
    if (c == kHalfwidthVoicedMark || c == kHalfwidthSemiVoicedMark) {
      append_voiced_mark(out, c);
      continue;
    }
    icu::UnicodeString wide;
    if (c >= kHalfwidthKatakanaFirst && c <= kHalfwidthKatakanaLast && nfkc != nullptr &&
        nfkc->getDecomposition(c, wide)) {
      out.append(wide);
    } else {
      out.append(c);
    }
  }
  return out;
}

// ICU's Hiragana-Katakana also widens half-width katakana; the filter keeps it to hiragana so
// this function does one thing.
constexpr char kHiraganaOnlyToKatakana[] = "[:Hiragana:] Hiragana-Katakana";

// One Hiragana-Katakana transliterator per thread (ICU transliterators are not thread-safe).
const icu::Transliterator* hiragana_katakana_transliterator() {
  thread_local const std::unique_ptr<icu::Transliterator> instance = [] {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::Transliterator> created(
        icu::Transliterator::createInstance(kHiraganaOnlyToKatakana, UTRANS_FORWARD, status));
    if (U_FAILURE(status)) created.reset();
    return created;
  }();
  return instance.get();
}

}  // namespace

bool is_valid_utf8(std::string_view utf8) {
  if (too_large(utf8)) return false;
  const auto length = static_cast<int32_t>(utf8.size());
  for (int32_t i = 0; i < length;) {
    UChar32 c = 0;
    U8_NEXT(utf8.data(), i, length, c);
    if (c < 0) return false;
  }
  return true;
}

std::string nfkc(std::string_view utf8) { return normalize_with(nfkc_normalizer(), utf8); }

std::string fullwidth_ascii_to_halfwidth(std::string_view utf8) {
  return normalize_with(fullwidth_ascii_normalizer(), utf8);
}

std::string halfwidth_katakana_to_fullwidth(std::string_view utf8) {
  if (too_large(utf8)) return replacement_only();
  return to_utf8(widen_halfwidth_katakana(from_utf8(utf8)));
}

std::string ideographic_space_to_ascii(std::string_view utf8) {
  if (too_large(utf8)) return replacement_only();
  icu::UnicodeString text = from_utf8(utf8);
  text.findAndReplace(icu::UnicodeString(kIdeographicSpace), icu::UnicodeString(u' '));
  return to_utf8(text);
}

std::string hiragana_to_katakana(std::string_view utf8) {
  if (too_large(utf8)) return replacement_only();
  icu::UnicodeString text = from_utf8(utf8);
  if (const icu::Transliterator* transliterator = hiragana_katakana_transliterator()) {
    transliterator->transliterate(text);
  }
  return to_utf8(text);
}

std::string normalize_jp_name(std::string_view utf8) {
  if (too_large(utf8)) return replacement_only();
  const icu::UnicodeString wide = widen_halfwidth_katakana(from_utf8(utf8));
  icu::UnicodeString out;
  bool pending_space = false;  // white space seen since the last kept character
  for (int32_t i = 0; i < wide.length();) {
    const UChar32 c = wide.char32At(i);
    i += U16_LENGTH(c);
    if (u_isUWhiteSpace(c)) {
      pending_space = true;
      continue;
    }
    if (pending_space && !out.isEmpty()) out.append(u' ');
    pending_space = false;
    out.append(c);
  }
  return to_utf8(out);
}

std::string search_key(std::string_view utf8) {
  // Casefolded NFKC, then kana unified and white space collapsed: the same steps as above.
  const std::string folded = normalize_with(nfkc_casefold_normalizer(), utf8);
  return normalize_jp_name(hiragana_to_katakana(folded));
}

std::string_view trim_padding(std::string_view text) {
  constexpr std::string_view kIdeographicSpace = "\xE3\x80\x80";
  for (;;) {
    if (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
      text.remove_prefix(1);
    } else if (text.starts_with(kIdeographicSpace)) {
      text.remove_prefix(kIdeographicSpace.size());
    } else {
      break;
    }
  }
  for (;;) {
    if (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
      text.remove_suffix(1);
    } else if (text.ends_with(kIdeographicSpace)) {
      text.remove_suffix(kIdeographicSpace.size());
    } else {
      break;
    }
  }
  return text;
}

}  // namespace socialrx::fhir::jp
