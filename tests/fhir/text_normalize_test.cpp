#include "fhir/text_normalize.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace socialrx::fhir::jp {
namespace {

const std::string kReplacement = "\uFFFD";

// --- NFKC ---------------------------------------------------------------------------------------

TEST(Nfkc, FoldsCompatibilityCharacters) {
  EXPECT_EQ(nfkc("ＡＢＣ１２３"), "ABC123");
  EXPECT_EQ(nfkc("ｶﾞｯｺｳ"), "ガッコウ");
  EXPECT_EQ(nfkc("①"), "1");
  EXPECT_EQ(nfkc("㈱"), "(株)");
  EXPECT_EQ(nfkc("\u3000"), " ");
  EXPECT_EQ(nfkc("カ\u3099"), "ガ");  // decomposed kana, as macOS writes it, composes
  EXPECT_EQ(nfkc(""), "");
}

TEST(Nfkc, IsIdempotent) {
  const std::string once = nfkc("ｳﾂﾉﾐﾔ　ﾊﾅｺ ＡＢＣ ①");
  EXPECT_EQ(nfkc(once), once);
}

// --- Width --------------------------------------------------------------------------------------

TEST(FullwidthAscii, FoldsDigitsLettersAndSymbols) {
  EXPECT_EQ(fullwidth_ascii_to_halfwidth("１３１０１６"), "131016");
  EXPECT_EQ(fullwidth_ascii_to_halfwidth("ＡＢＣｘｙｚ"), "ABCxyz");
  EXPECT_EQ(fullwidth_ascii_to_halfwidth("！＂＃＄％＆（）＊＋，－．／：；＜＝＞？＠［＼］＾＿｀｛｜｝～"),
            "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~");
}

TEST(FullwidthAscii, LeavesEverythingElseAlone) {
  // U+3000, full-width and half-width katakana, kanji, ￥ (not in the ASCII block), ① (NFKC would
  // fold it) all stay.
  const std::string text = "山田\u3000タロウ ｶﾅ ￥100 ①";
  EXPECT_EQ(fullwidth_ascii_to_halfwidth(text), text);
  EXPECT_EQ(fullwidth_ascii_to_halfwidth("電話：０３－１２３４"), "電話:03-1234");
}

TEST(HalfwidthKatakana, WidensAName) {
  EXPECT_EQ(halfwidth_katakana_to_fullwidth("ｳﾂﾉﾐﾔ ﾊﾅｺ"), "ウツノミヤ ハナコ");
}

TEST(HalfwidthKatakana, JoinsVoicedAndSemiVoicedMarks) {
  EXPECT_EQ(halfwidth_katakana_to_fullwidth("ｶﾞ"), "ガ");
  EXPECT_EQ(halfwidth_katakana_to_fullwidth("ﾊﾟ"), "パ");
  EXPECT_EQ(halfwidth_katakana_to_fullwidth("ｳﾞ"), "ヴ");
  EXPECT_EQ(halfwidth_katakana_to_fullwidth("ﾜﾞ"), "ヷ");
  EXPECT_EQ(halfwidth_katakana_to_fullwidth("ﾀﾞｲｺﾞﾛｳ ﾎﾟﾝﾀ"), "ダイゴロウ ポンタ");
  // A half-width mark after a full-width kana still composes.
  EXPECT_EQ(halfwidth_katakana_to_fullwidth("カﾞ"), "ガ");
}

TEST(HalfwidthKatakana, MarksThatCannotCombineBecomeSpacingMarks) {
  EXPECT_EQ(halfwidth_katakana_to_fullwidth("ﾞ"), "゛");
  EXPECT_EQ(halfwidth_katakana_to_fullwidth("ｱﾞ"), "ア゛");
  EXPECT_EQ(halfwidth_katakana_to_fullwidth("ｶﾟ"), "カ゜");
  EXPECT_EQ(halfwidth_katakana_to_fullwidth("Aﾟ"), "A゜");
}

TEST(HalfwidthKatakana, WidensPunctuationAndLongVowelMark) {
  EXPECT_EQ(halfwidth_katakana_to_fullwidth("｡｢｣､･ｰ"), "。「」、・ー");
  EXPECT_EQ(halfwidth_katakana_to_fullwidth("ｧｨｩｪｫｬｭｮｯｦﾝ"), "ァィゥェォャュョッヲン");
}

TEST(HalfwidthKatakana, LeavesEverythingElseAlone) {
  const std::string text = "ABC １２３ 山田 ガ\u3000ひらがな";
  EXPECT_EQ(halfwidth_katakana_to_fullwidth(text), text);
  // Idempotent: running it again on its own output changes nothing.
  const std::string once = halfwidth_katakana_to_fullwidth("ﾊﾟﾝﾀﾞ ｶﾞｰﾃﾞﾝ");
  EXPECT_EQ(once, "パンダ ガーデン");
  EXPECT_EQ(halfwidth_katakana_to_fullwidth(once), once);
}

TEST(IdeographicSpace, BecomesAsciiSpaceAndNothingElseChanges) {
  EXPECT_EQ(ideographic_space_to_ascii("山田\u3000太郎"), "山田 太郎");
  EXPECT_EQ(ideographic_space_to_ascii("\u3000\u3000a"), "  a");
  EXPECT_EQ(ideographic_space_to_ascii("ｶﾅ ＡＢＣ"), "ｶﾅ ＡＢＣ");
}

// --- Kana ---------------------------------------------------------------------------------------

TEST(HiraganaToKatakana, ConvertsKanaNames) {
  EXPECT_EQ(hiragana_to_katakana("うつのみや はなこ"), "ウツノミヤ ハナコ");
  EXPECT_EQ(hiragana_to_katakana("ゔぁいおりん"), "ヴァイオリン");
  EXPECT_EQ(hiragana_to_katakana("ぱぴぷぺぽ"), "パピプペポ");
  EXPECT_EQ(hiragana_to_katakana("ゝゞ"), "ヽヾ");
}

TEST(HiraganaToKatakana, LeavesOtherScriptsAlone) {
  const std::string text = "山田 タロウ Taro ｶﾅ ー。";
  EXPECT_EQ(hiragana_to_katakana(text), text);
  EXPECT_EQ(hiragana_to_katakana("やまだ 太郎"), "ヤマダ 太郎");
}

TEST(HiraganaToKatakana, MatchesKanaNamesWrittenDifferently) {
  // A kana match key: the same person typed three ways.
  const auto key = [](std::string_view name) {
    return hiragana_to_katakana(normalize_jp_name(name));
  };
  EXPECT_EQ(key("うつのみや　はなこ"), key("ｳﾂﾉﾐﾔ ﾊﾅｺ"));
  EXPECT_EQ(key("ウツノミヤ  ハナコ"), key("ｳﾂﾉﾐﾔ ﾊﾅｺ"));
}

// --- Names --------------------------------------------------------------------------------------

TEST(JpName, WidensKanaCollapsesAndTrimsWhiteSpace) {
  EXPECT_EQ(normalize_jp_name("ｳﾂﾉﾐﾔ ﾊﾅｺ"), "ウツノミヤ ハナコ");
  EXPECT_EQ(normalize_jp_name("  ｳﾂﾉﾐﾔ\u3000\u3000ﾊﾅｺ \u3000"), "ウツノミヤ ハナコ");
  EXPECT_EQ(normalize_jp_name("山田\t\u3000 太郎"), "山田 太郎");
  EXPECT_EQ(normalize_jp_name("山田\u00A0太郎\n"), "山田 太郎");
  EXPECT_EQ(normalize_jp_name("ﾀﾞｲｺﾞﾛｳ"), "ダイゴロウ");
}

TEST(JpName, KeepsScriptAndEverythingElse) {
  EXPECT_EQ(normalize_jp_name("宇都宮 花子"), "宇都宮 花子");
  EXPECT_EQ(normalize_jp_name("うつのみや はなこ"), "うつのみや はなこ");
  EXPECT_EQ(normalize_jp_name("Smith John"), "Smith John");
  EXPECT_EQ(normalize_jp_name("髙橋"), "髙橋");  // no NFKC: 髙 is not folded to 高
}

TEST(JpName, EmptyAndBlank) {
  EXPECT_EQ(normalize_jp_name(""), "");
  EXPECT_EQ(normalize_jp_name(" \u3000\t "), "");
}

TEST(JpName, IsIdempotent) {
  const std::string once = normalize_jp_name(" ｳﾂﾉﾐﾔ\u3000 ﾊﾅｺ ");
  EXPECT_EQ(normalize_jp_name(once), once);
}

// --- Ill-formed UTF-8 ---------------------------------------------------------------------------

TEST(Utf8, ValidityCheck) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("ascii"));
  EXPECT_TRUE(is_valid_utf8("ウツノミヤ ﾊﾅｺ 𠮷"));
  EXPECT_TRUE(is_valid_utf8(std::string("a\0b", 3)));
  EXPECT_FALSE(is_valid_utf8("\xff"));
  EXPECT_FALSE(is_valid_utf8("\xE3\x81"));          // truncated
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // UTF-16 surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\x80"));              // lone continuation byte
}

TEST(Utf8, IllFormedInputBecomesReplacementCharacters) {
  const std::string bad = "a\xff" "b\xE3\x81" "c";
  const std::string expected = "a" + kReplacement + "b" + kReplacement + "c";
  EXPECT_EQ(nfkc(bad), expected);
  EXPECT_EQ(fullwidth_ascii_to_halfwidth(bad), expected);
  EXPECT_EQ(halfwidth_katakana_to_fullwidth(bad), expected);
  EXPECT_EQ(ideographic_space_to_ascii(bad), expected);
  EXPECT_EQ(hiragana_to_katakana(bad), expected);
  EXPECT_EQ(normalize_jp_name(bad), expected);
  EXPECT_TRUE(is_valid_utf8(nfkc(bad)));
}

TEST(Utf8, IllFormedInputAmongKana) {
  EXPECT_EQ(halfwidth_katakana_to_fullwidth("ｶ\xffﾞ"), "カ" + kReplacement + "゛");
  // An encoded surrogate has no valid prefix longer than one byte: Unicode's "maximal subpart"
  // practice, which ICU follows, gives one U+FFFD per byte.
  EXPECT_EQ(normalize_jp_name(" \xED\xA0\x80ﾊﾅｺ "),
            kReplacement + kReplacement + kReplacement + "ハナコ");
}

TEST(Utf8, EmbeddedNulIsKept) {
  const std::string text("a\0b", 3);
  EXPECT_EQ(nfkc(text), text);
  EXPECT_EQ(normalize_jp_name(text), text);
}

TEST(Utf8, OversizedInputIsRefusedNotProcessed) {
  const std::string huge(kMaxTextBytes + 1, 'a');
  EXPECT_FALSE(is_valid_utf8(huge));
  EXPECT_EQ(nfkc(huge), kReplacement);
  EXPECT_EQ(normalize_jp_name(huge), kReplacement);
  const std::string at_limit(kMaxTextBytes, 'a');
  EXPECT_TRUE(is_valid_utf8(at_limit));
  EXPECT_EQ(fullwidth_ascii_to_halfwidth(at_limit).size(), kMaxTextBytes);
}

}  // namespace
}  // namespace socialrx::fhir::jp

namespace socialrx::fhir::jp {
namespace {

TEST(SearchKey, MatchesAcrossWidthCaseAndKana) {
  EXPECT_EQ(search_key("ウツノミヤ　ハナコ"), search_key("うつのみや はなこ"));
  EXPECT_EQ(search_key("ｳﾂﾉﾐﾔ"), search_key("ウツノミヤ"));
  EXPECT_EQ(search_key("ＳＭＩＴＨ"), "smith");
  EXPECT_EQ(search_key("  Smith  John "), "smith john");
  EXPECT_EQ(search_key("宇都宮"), "宇都宮");
}

}  // namespace
}  // namespace socialrx::fhir::jp
