#pragma once
// Normalising Japanese text for storage and matching, on ICU.
//
// Every function takes and returns UTF-8. Ill-formed UTF-8 never fails and never crashes: each
// maximal ill-formed subsequence becomes one U+FFFD REPLACEMENT CHARACTER (ICU's
// UnicodeString::fromUTF8 policy), so the output is always well-formed UTF-8. A caller that must
// reject such input instead (an identifier, a signature check) asks is_valid_utf8() first.
//
// Inputs longer than kMaxTextBytes are not processed: the result is a single U+FFFD (ICU string
// lengths are 32-bit, and no name or address comes anywhere near the limit — bodies are bounded
// long before this).

#include <cstddef>
#include <string>
#include <string_view>

namespace socialrx::fhir::jp {

inline constexpr std::size_t kMaxTextBytes = 16 * 1024 * 1024;

// True when `utf8` is well-formed UTF-8 (no surrogates, no overlong forms, nothing above
// U+10FFFF) and not longer than kMaxTextBytes.
bool is_valid_utf8(std::string_view utf8);

// Unicode NFKC (compatibility composition): full-width ASCII becomes ASCII, half-width kana
// becomes full-width, ① becomes 1, ㈱ becomes (株). Broad: use it for matching keys, not for
// text that is stored and shown (it also folds characters a person may have chosen on purpose).
std::string nfkc(std::string_view utf8);

// Full-width ASCII forms U+FF01..U+FF5E (ＡＢＣ１２３！) → ASCII. Nothing else changes: U+3000,
// kana and other full-width symbols (￥) stay as they are.
std::string fullwidth_ascii_to_halfwidth(std::string_view utf8);

// Half-width katakana U+FF61..U+FF9F → full-width katakana and punctuation (ｳﾂﾉﾐﾔ → ウツノミヤ,
// ｰ → ー, ｡｢｣､･ → 。「」、・). A half-width voiced or semi-voiced mark combines with the kana
// before it (ｶﾞ → ガ, ﾊﾟ → パ, ｳﾞ → ヴ, also カﾞ → ガ); when nothing can carry it, it becomes the
// spacing mark ゛ (U+309B) or ゜ (U+309C) rather than a dangling combining character.
std::string halfwidth_katakana_to_fullwidth(std::string_view utf8);

// U+3000 IDEOGRAPHIC SPACE → U+0020 SPACE. Nothing else changes.
std::string ideographic_space_to_ascii(std::string_view utf8);

// Hiragana → katakana (はなこ → ハナコ, ゝ → ヽ, ゟ → ヨリ), for comparing kana names written
// in either script. Other characters, half-width katakana included, are unchanged.
std::string hiragana_to_katakana(std::string_view utf8);

// A JP Core name part or HumanName.text: half-width katakana → full-width, runs of white space
// (ASCII, U+3000 and the other Unicode White_Space characters) → one ASCII space, leading and
// trailing white space removed. "  ｳﾂﾉﾐﾔ　　ﾊﾅｺ " → "ウツノミヤ ハナコ". Script (kanji, hiragana,
// katakana) is kept: JP Core marks it with the EN-representation extension.
std::string normalize_jp_name(std::string_view utf8);

// The key under which text is indexed and searched (FHIR string search: case- and
// accent-insensitive, by prefix): NFKC with case folding (ＡＢＣ, abc and ABC match), hiragana →
// katakana (はなこ matches ハナコ), white space collapsed to one space and trimmed.
std::string search_key(std::string_view utf8);

// Strips what EHR exports and spreadsheets pad fields with: ASCII spaces and tabs, and U+3000
// IDEOGRAPHIC SPACE. A view into `text`.
std::string_view trim_padding(std::string_view text);

}  // namespace socialrx::fhir::jp
