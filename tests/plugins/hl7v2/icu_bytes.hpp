#pragma once
// Test byte strings in Japanese encodings, made from UTF-8 by ICU directly (not by the code under
// test), so no encoding is hand-guessed. Strict: a character the encoding cannot carry fails the
// test that asked for it.

#include <gtest/gtest.h>
#include <unicode/ucnv.h>
#include <unicode/unistr.h>

#include <string>
#include <string_view>

namespace socialrx::plugins::hl7v2::testing {

inline std::string icu_bytes(std::string_view utf8, const char* converter_name) {
  UErrorCode status = U_ZERO_ERROR;
  UConverter* converter = ucnv_open(converter_name, &status);
  if (U_FAILURE(status)) {
    ADD_FAILURE() << "ICU has no converter " << converter_name;
    return {};
  }
  ucnv_setFromUCallBack(converter, UCNV_FROM_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &status);
  const icu::UnicodeString text = icu::UnicodeString::fromUTF8(
      icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
  std::string out(static_cast<std::size_t>(text.length()) * 8 + 16, '\0');
  status = U_ZERO_ERROR;
  const int32_t length = ucnv_fromUChars(converter, out.data(), static_cast<int32_t>(out.size()),
                                         text.getBuffer(), text.length(), &status);
  ucnv_close(converter);
  if (U_FAILURE(status)) {
    ADD_FAILURE() << "ICU cannot encode the test text in " << converter_name << ": "
                  << u_errorName(status);
    return {};
  }
  out.resize(static_cast<std::size_t>(length));
  return out;
}

inline std::string iso_2022_jp(std::string_view utf8) { return icu_bytes(utf8, "ISO-2022-JP"); }
inline std::string cp932(std::string_view utf8) { return icu_bytes(utf8, "windows-31j"); }

}  // namespace socialrx::plugins::hl7v2::testing
