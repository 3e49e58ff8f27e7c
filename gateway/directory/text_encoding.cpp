#include "gateway/directory/text_encoding.hpp"

#include <unicode/ucnv.h>
#include <unicode/unistr.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace socialrx::gateway::directory {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

struct ConverterCloser {
  void operator()(UConverter* converter) const { ucnv_close(converter); }
};

DecodedText decode_cp932(std::string_view bytes) {
  DecodedText result;
  result.encoding = "CP932";
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<UConverter, ConverterCloser> converter(ucnv_open("windows-31j", &status));
  if (U_FAILURE(status) || !converter) {
    result.problem = "ICU has no windows-31j (CP932) converter";
    return result;
  }
  // Stop at the first unmappable or ill-formed sequence instead of substituting U+FFFD: a file
  // in some third encoding must be refused, not imported as mojibake.
  ucnv_setToUCallBack(converter.get(), UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &status);
  std::vector<UChar> buffer(bytes.size() + 1);  // CP932 never yields more UTF-16 units than bytes
  const char* source = bytes.data();
  const char* source_end = bytes.data() + bytes.size();
  UChar* target = buffer.data();
  ucnv_toUnicode(converter.get(), &target, buffer.data() + buffer.size(), &source, source_end,
                 nullptr, /*flush=*/true, &status);
  if (U_FAILURE(status)) {
    // `source` has consumed the offending bytes; point at where they start.
    char offending[8];
    int8_t length = sizeof offending;
    UErrorCode ignored = U_ZERO_ERROR;
    ucnv_getInvalidChars(converter.get(), offending, &length, &ignored);
    const std::size_t offset = static_cast<std::size_t>(source - bytes.data()) -
                               static_cast<std::size_t>(length > 0 ? length : 0);
    result.problem = "the file is neither UTF-8 nor CP932 (Shift_JIS): byte offset " +
                     std::to_string(offset) + " cannot be decoded";
    return result;
  }
  icu::UnicodeString text(buffer.data(), static_cast<int32_t>(target - buffer.data()));
  text.toUTF8String(result.utf8);
  result.ok = true;
  return result;
}

}  // namespace

bool is_valid_utf8(std::string_view bytes) {
  std::size_t i = 0;
  const std::size_t n = bytes.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    std::uint32_t code = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
      code = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      code = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      code = c & 0x07;
    } else {
      return false;
    }
    if (i + length > n) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(bytes[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    if ((length == 3 && code < 0x800) || (length == 4 && (code < 0x10000 || code > 0x10FFFF)) ||
        (code >= 0xD800 && code <= 0xDFFF)) {
      return false;
    }
    i += length;
  }
  return true;
}

DecodedText decode_directory_bytes(std::string_view bytes) {
  if (bytes.starts_with(kBom)) {
    DecodedText result;
    result.encoding = "UTF-8 with BOM";
    const std::string_view body = bytes.substr(kBom.size());
    if (!is_valid_utf8(body)) {
      result.problem = "the file starts with a UTF-8 BOM but is not valid UTF-8";
      return result;
    }
    result.utf8.assign(body);
    result.ok = true;
    return result;
  }
  if (is_valid_utf8(bytes)) {
    DecodedText result;
    result.encoding = "UTF-8";
    result.utf8.assign(bytes);
    result.ok = true;
    return result;
  }
  return decode_cp932(bytes);
}

}  // namespace socialrx::gateway::directory
