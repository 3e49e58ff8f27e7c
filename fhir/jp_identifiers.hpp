#pragma once
// Japanese administrative identifiers: reading, check-digit validation and check-digit
// computation (DOMAIN.md §3 "Check digits"). No I/O, no ICU: identifiers are digits only.
//
// Reading an identifier (every check_* function):
// - leading and trailing spaces, tabs and U+3000 IDEOGRAPHIC SPACE are ignored (EHR exports pad
//   fields);
// - full-width digits U+FF10..U+FF19 count as ASCII digits (paper forms and kana-kanji input
//   produce them);
// - a hyphen is accepted only where the printed form has one: in a 郵便番号 between the 3rd and
//   4th digit (ASCII '-', U+FF0D, U+2010, U+2212). Anywhere else it is "not a digit";
// - any other character, including ill-formed UTF-8, makes the identifier invalid.
//
// Check-digit modes (DOMAIN.md asks for a lenient mode because some published example codes do
// not satisfy their own rule):
// - strict: a wrong check digit makes the identifier invalid;
// - lenient: a wrong check digit is accepted (valid = true) and reported in `problem` as a
//   warning. A wrong length or a non-digit is invalid in both modes.

#include <string>
#include <string_view>

namespace socialrx::fhir::jp {

enum class CheckMode { strict, lenient };

struct IdentifierResult {
  bool valid = false;
  // The identifier in canonical form: ASCII digits only, except 郵便番号 which is "NNN-NNNN".
  // Filled whenever every character could be read as a digit (also when the length or the
  // check digit is wrong), empty otherwise.
  std::string normalized;
  // One English sentence for a person, e.g. "insurer number: check digit is 3, expected 6".
  // Empty when all is well. When `valid` is true and this is not empty, it is a warning
  // (lenient mode and a wrong check digit).
  std::string problem;

  bool is_warning() const { return valid && !problem.empty(); }
};

// --- Validation -------------------------------------------------------------------------------

// 地方公共団体コード (JIS X 0402): 6 digits = 都道府県 2 + 市区町村 3 + check digit (modulus 11).
IdentifierResult check_local_government_code(std::string_view text,
                                             CheckMode mode = CheckMode::strict);

// 保険者番号: 8 digits = 法別番号 2 + 都道府県 2 + 保険者別番号 3 + check digit, or 6 digits for
// 国民健康保険 (no 法別番号). Modulus 10, weights 2,1.
IdentifierResult check_insurer_number(std::string_view text, CheckMode mode = CheckMode::strict);

// 公費負担者番号: 8 digits = 法別番号 2 + 都道府県 2 + 実施機関番号 3 + check digit. Modulus 10.
IdentifierResult check_public_expense_payer_number(std::string_view text,
                                                   CheckMode mode = CheckMode::strict);

// 後期高齢者医療 被保険者番号: 8 digits, the last a check digit. Modulus 10 (DOMAIN.md; see the
// .cpp for what public sources did and did not confirm).
IdentifierResult check_late_elderly_insured_number(std::string_view text,
                                                   CheckMode mode = CheckMode::strict);

// 介護保険 保険者番号: 6 digits = 都道府県 2 + 保険者 3 + check digit. Modulus 10.
IdentifierResult check_ltc_insurer_number(std::string_view text,
                                          CheckMode mode = CheckMode::strict);

// 医療機関コード (10 digits, as on prescriptions and in JP Core): 都道府県 2 + 点数表 1 +
// 郡市区 2 + 機関番号 4 + check digit; the check digit covers all nine digits before it.
IdentifierResult check_medical_institution_code(std::string_view text,
                                                CheckMode mode = CheckMode::strict);

// 介護保険 被保険者番号: 10 digits assigned by the municipality, no national check digit.
IdentifierResult check_ltc_insured_number(std::string_view text);

// 郵便番号: 7 digits, "NNNNNNN" or "NNN-NNNN"; normalized to "NNN-NNNN" (the JP Core form).
IdentifierResult check_postal_code(std::string_view text);

// --- Check-digit computation --------------------------------------------------------------------
// Each takes the body (every digit before the check digit) as ASCII digits and returns the check
// digit as '0'..'9', or '\0' when the body has the wrong length or a character that is not an
// ASCII digit. Run a check_* function first to normalise full-width input.

// Modulus 11 over 5 digits, weights 6,5,4,3,2: CD = (11 − S mod 11) mod 10.
char compute_local_government_code_check_digit(std::string_view body);

// The shared "modulus 10, weights 2,1" rule over a body of any non-zero length: from the
// rightmost body digit multiply by 2,1,2,1…, add the digits of each product (a product ≥ 10
// adds its two digits), CD = (10 − S mod 10) mod 10. This is the Luhn scheme.
char compute_modulus10_weight21_check_digit(std::string_view body);

char compute_insurer_number_check_digit(std::string_view body);                 // 7 or 5 digits
char compute_public_expense_payer_number_check_digit(std::string_view body);    // 7 digits
char compute_late_elderly_insured_number_check_digit(std::string_view body);    // 7 digits
char compute_ltc_insurer_number_check_digit(std::string_view body);             // 5 digits
char compute_medical_institution_code_check_digit(std::string_view body);       // 9 digits

// --- 被保険者個人識別子 (JP-CLINS JP_Insurance_memberID) -----------------------------------------

// Builds the identifier value "保険者番号:記号:番号:枝番" (DOMAIN.md §3), e.g.
// "00012345:あいう:１８７:05"; absent 記号 and 枝番 stay empty: "00012345::１８７:".
// The insurer number is read like the check_* functions read it (1 to 8 digits) and zero-padded
// to 8; its check digit is not verified here (use check_insurer_number for that). 記号, 番号 and
// 枝番 are kept exactly as given, full-width characters included, as in the JP-CLINS example.
// Invalid when the insurer number or 番号 is empty, the insurer number is not 1–8 digits, or a
// part contains ':' (the separator). On success `normalized` holds the value.
IdentifierResult build_insurance_member_id(std::string_view insurer_number,
                                           std::string_view symbol, std::string_view number,
                                           std::string_view branch);

}  // namespace socialrx::fhir::jp
