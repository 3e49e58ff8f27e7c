#pragma once
// SS-MIX2-style HL7 v2.5 messages for tests and benchmarks, written the way Japanese EHRs send
// them (DOMAIN.md §4): JAHIS MSH with MSH-18 declaring the charset, PID-5 in two repetitions
// (kanji I, kana P), PID-11 with the whole address in XAD-8, and encoded with ICU into
// ISO-2022-JP or CP932 — never hand-made bytes.

#include <string>
#include <string_view>

namespace socialrx::testing {

enum class Hl7Charset { utf8, iso2022jp, cp932 };

struct AdtPatient {
  std::string sending_application = "HIS";
  std::string sending_facility = "0910112341";  // 10-digit 医療機関コード
  std::string control_id = "MSG00000001";        // MSH-10
  std::string event = "A08";                     // ADT^A08 患者基本
  std::string patient_id = "0000123456";         // PID-3
  std::string family_kanji = "宇都宮";
  std::string given_kanji = "花子";
  std::string family_kana = "ウツノミヤ";
  std::string given_kana = "ハナコ";
  std::string birth_date = "19620315";
  std::string sex = "F";
  std::string postal_code = "320-0806";
  std::string address = "栃木県宇都宮市中央１－２－３";
  std::string phone = "028-123-4567";
};

// The message as UTF-8 text (segments end in CR; MSH-18 names `charset`).
std::string adt_message_utf8(const AdtPatient& patient, Hl7Charset charset);
// The message encoded in `charset` (ICU; throws std::runtime_error if ICU cannot convert).
std::string adt_message(const AdtPatient& patient, Hl7Charset charset);

// Converts UTF-8 text to ISO-2022-JP or CP932 with ICU (UTF-8 is returned as is).
std::string encode_text(std::string_view utf8, Hl7Charset charset);

// A varied but deterministic patient number `n` (kanji/kana names from a small list; the id and
// control id derived from n and `sender`).
AdtPatient numbered_patient(int sender, int n);

}  // namespace socialrx::testing
