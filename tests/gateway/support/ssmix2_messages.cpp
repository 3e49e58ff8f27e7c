#include "tests/gateway/support/ssmix2_messages.hpp"

#include <unicode/ucnv.h>

#include <array>
#include <cstdio>
#include <stdexcept>

namespace socialrx::testing {
namespace {

std::string_view msh18(Hl7Charset charset) {
  switch (charset) {
    case Hl7Charset::iso2022jp: return "~ISO IR87";
    case Hl7Charset::cp932: return "SJIS";
    case Hl7Charset::utf8: return "UNICODE UTF-8";
  }
  return "";
}

const char* icu_name(Hl7Charset charset) {
  return charset == Hl7Charset::iso2022jp ? "ISO-2022-JP" : "windows-31j";
}

struct Name {
  const char* family_kanji;
  const char* given_kanji;
  const char* family_kana;
  const char* given_kana;
};

// Chosen to cover awkward bytes too: 表 and ソ end in 0x5C ('\') in CP932.
constexpr std::array<Name, 6> kNames{{
    {"宇都宮", "花子", "ウツノミヤ", "ハナコ"},
    {"高橋", "表太郎", "タカハシ", "ヒョウタロウ"},
    {"佐藤", "聡子", "サトウ", "ソウコ"},
    {"渡邉", "能久", "ワタナベ", "ヨシヒサ"},
    {"鈴木", "一郎", "スズキ", "イチロウ"},
    {"山本", "由美", "ヤマモト", "ユミ"},
}};

}  // namespace

std::string adt_message_utf8(const AdtPatient& p, Hl7Charset charset) {
  std::string m;
  m += "MSH|^~\\&|" + p.sending_application + "|" + p.sending_facility + "|SOCIALRX|SOCIALRX|" +
       "20261202093000||ADT^" + p.event + "^ADT_A01|" + p.control_id + "|P|2.5||||||" +
       std::string(msh18(charset)) + "||ISO 2022-1994|SS-MIX2_1.20^SS-MIX2^1.2.392.200250.2.1.100.1.2.120^ISO\r";
  m += "EVN||20261202093000\r";
  m += "PID|0001||" + p.patient_id + "^^^^PI||" + p.family_kanji + "^" + p.given_kanji +
       "^^^^^L^I~" + p.family_kana + "^" + p.given_kana + "^^^^^L^P||" + p.birth_date + "|" + p.sex +
       "|||^^^^" + p.postal_code + "^JPN^H^" + p.address + "||^PRN^PH^^^^^^^^^" + p.phone + "\r";
  m += "PV1|0001|O\r";
  return m;
}

std::string encode_text(std::string_view utf8, Hl7Charset charset) {
  if (charset == Hl7Charset::utf8) return std::string(utf8);
  UErrorCode status = U_ZERO_ERROR;
  std::string out(utf8.size() * 4 + 16, '\0');
  const int32_t length =
      ucnv_convert(icu_name(charset), "UTF-8", out.data(), static_cast<int32_t>(out.size()),
                   utf8.data(), static_cast<int32_t>(utf8.size()), &status);
  if (U_FAILURE(status)) {
    throw std::runtime_error(std::string("encode_text: ICU cannot convert to ") + icu_name(charset) +
                             ": " + u_errorName(status));
  }
  out.resize(static_cast<std::size_t>(length));
  return out;
}

std::string adt_message(const AdtPatient& patient, Hl7Charset charset) {
  return encode_text(adt_message_utf8(patient, charset), charset);
}

AdtPatient numbered_patient(int sender, int n) {
  AdtPatient patient;
  const Name& name = kNames[static_cast<std::size_t>(n) % kNames.size()];
  patient.family_kanji = name.family_kanji;
  patient.given_kanji = name.given_kanji;
  patient.family_kana = name.family_kana;
  patient.given_kana = name.given_kana;
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%02d%08d", sender % 100, n % 100000000);
  patient.patient_id = buffer;
  std::snprintf(buffer, sizeof(buffer), "S%02d-%08d", sender % 100, n % 100000000);
  patient.control_id = buffer;
  patient.sending_application = "HIS" + std::to_string(sender);
  std::snprintf(buffer, sizeof(buffer), "19%02d%02d%02d", 30 + n % 60, 1 + n % 12, 1 + n % 28);
  patient.birth_date = buffer;
  patient.sex = n % 2 == 0 ? "F" : "M";
  return patient;
}

}  // namespace socialrx::testing
