#include "fhir/jp_identifiers.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace socialrx::fhir::jp {
namespace {

// --- 地方公共団体コード ---------------------------------------------------------------------------

TEST(LocalGovernmentCode, DomainExamplesValidate) {
  for (std::string_view code : {"131016" /* 千代田区 */, "131041" /* 新宿区 */,
                                "092011" /* 宇都宮市 */, "420000" /* 長崎県 */}) {
    const IdentifierResult result = check_local_government_code(code);
    EXPECT_TRUE(result.valid) << code << ": " << result.problem;
    EXPECT_EQ(result.normalized, code);
    EXPECT_EQ(result.problem, "");
    EXPECT_FALSE(result.is_warning());
  }
}

TEST(LocalGovernmentCode, ComputesCheckDigitIncludingRemainderZeroAndOne) {
  EXPECT_EQ(compute_local_government_code_check_digit("13101"), '6');  // S=27, r=5
  EXPECT_EQ(compute_local_government_code_check_digit("13104"), '1');  // S=33, r=0 → 11 → 1
  EXPECT_EQ(compute_local_government_code_check_digit("09201"), '1');  // S=55, r=0
  EXPECT_EQ(compute_local_government_code_check_digit("42000"), '0');  // S=34, r=1 → 10 → 0
}

TEST(LocalGovernmentCode, WrongCheckDigitStrictRejectsLenientWarns) {
  const IdentifierResult strict = check_local_government_code("131013");
  EXPECT_FALSE(strict.valid);
  EXPECT_EQ(strict.normalized, "131013");
  EXPECT_EQ(strict.problem, "local government code: check digit is 3, expected 6");

  const IdentifierResult lenient = check_local_government_code("131013", CheckMode::lenient);
  EXPECT_TRUE(lenient.valid);
  EXPECT_TRUE(lenient.is_warning());
  EXPECT_EQ(lenient.normalized, "131013");
  EXPECT_EQ(lenient.problem, "local government code: check digit is 3, expected 6");
}

TEST(LocalGovernmentCode, WrongLengthIsInvalidInBothModes) {
  for (CheckMode mode : {CheckMode::strict, CheckMode::lenient}) {
    const IdentifierResult five = check_local_government_code("13101", mode);
    EXPECT_FALSE(five.valid);
    EXPECT_EQ(five.problem, "local government code has 5 digits, expected 6");
    const IdentifierResult seven = check_local_government_code("1310160", mode);
    EXPECT_FALSE(seven.valid);
    EXPECT_EQ(seven.problem, "local government code has 7 digits, expected 6");
  }
}

TEST(LocalGovernmentCode, FullWidthDigitsAndPaddingAreNormalized) {
  const IdentifierResult result = check_local_government_code("１３１０１６");
  EXPECT_TRUE(result.valid) << result.problem;
  EXPECT_EQ(result.normalized, "131016");

  const IdentifierResult padded = check_local_government_code(" \t１３1０１６\u3000");
  EXPECT_TRUE(padded.valid) << padded.problem;
  EXPECT_EQ(padded.normalized, "131016");
}

TEST(LocalGovernmentCode, NonDigitsAreInvalidInBothModes) {
  for (CheckMode mode : {CheckMode::strict, CheckMode::lenient}) {
    const IdentifierResult letter = check_local_government_code("13A016", mode);
    EXPECT_FALSE(letter.valid);
    EXPECT_EQ(letter.normalized, "");
    EXPECT_EQ(letter.problem, "local government code: character 3 is not a digit");
    // A hyphen is not part of this identifier's printed form.
    EXPECT_FALSE(check_local_government_code("13101-6", mode).valid);
    EXPECT_FALSE(check_local_government_code("131 016", mode).valid);
    EXPECT_FALSE(check_local_government_code("-131016", mode).valid);
  }
}

TEST(LocalGovernmentCode, EmptyAndIllFormedUtf8AreInvalid) {
  EXPECT_EQ(check_local_government_code("").problem, "local government code is empty");
  EXPECT_EQ(check_local_government_code("\u3000 ").problem, "local government code is empty");
  const IdentifierResult bad = check_local_government_code("1310\xff" "6");
  EXPECT_FALSE(bad.valid);
  EXPECT_EQ(bad.problem, "local government code: character 5 is not a digit");
  // A truncated full-width digit (EF BC without its third byte).
  EXPECT_FALSE(check_local_government_code("13101\xEF\xBC").valid);
  EXPECT_FALSE(check_local_government_code(std::string("1310\0" "16", 7)).valid);
}

TEST(LocalGovernmentCode, ComputeRejectsMalformedBodies) {
  EXPECT_EQ(compute_local_government_code_check_digit("1310"), '\0');
  EXPECT_EQ(compute_local_government_code_check_digit("131016"), '\0');
  EXPECT_EQ(compute_local_government_code_check_digit("13a01"), '\0');
  EXPECT_EQ(compute_local_government_code_check_digit("１３１０１"), '\0');
}

TEST(LocalGovernmentCode, EveryComputedCodeRoundTrips) {
  for (int body = 0; body < 100000; body += 7) {
    std::string code = std::to_string(body);
    code.insert(0, 5 - code.size(), '0');
    const char check_digit = compute_local_government_code_check_digit(code);
    ASSERT_NE(check_digit, '\0');
    code.push_back(check_digit);
    ASSERT_TRUE(check_local_government_code(code).valid) << code;
  }
}

// --- The modulus 10, weights 2,1 family ---------------------------------------------------------

TEST(Modulus10Weight21, MatchesTheWorkedExamples) {
  // 33120015: products 6,3,2,2,0,0,2 → 15 → 10 − 5 = 5 (MHLW 保険者番号設定要領 example).
  EXPECT_EQ(compute_modulus10_weight21_check_digit("3312001"), '5');
  // 54016027 (公費負担者番号 example): 1+4+0+1+3+0+4 = 13 → 7.
  EXPECT_EQ(compute_modulus10_weight21_check_digit("5401602"), '7');
  // A sum ending in 0 gives check digit 0, not 10.
  EXPECT_EQ(compute_modulus10_weight21_check_digit("19"), '0');  // 9×2 = 18 → 9, + 1 = 10
}

TEST(Modulus10Weight21, ComputeRejectsMalformedBodies) {
  EXPECT_EQ(compute_modulus10_weight21_check_digit(""), '\0');
  EXPECT_EQ(compute_modulus10_weight21_check_digit("12a4"), '\0');
}

TEST(Modulus10Weight21, DetectsEverySingleDigitChange) {
  const std::string code = "3410712362";
  for (std::size_t position = 0; position < code.size(); ++position) {
    for (char digit = '0'; digit <= '9'; ++digit) {
      if (digit == code[position]) continue;
      std::string changed = code;
      changed[position] = digit;
      EXPECT_FALSE(check_medical_institution_code(changed).valid) << changed;
    }
  }
}

// --- 保険者番号 -----------------------------------------------------------------------------------

TEST(InsurerNumber, DomainExamplesValidate) {
  for (std::string_view number : {"06130488", "33120015", "01130012"}) {
    const IdentifierResult result = check_insurer_number(number);
    EXPECT_TRUE(result.valid) << number << ": " << result.problem;
    EXPECT_EQ(result.normalized, number);
    EXPECT_EQ(result.problem, "");
  }
}

TEST(InsurerNumber, ComputesCheckDigits) {
  EXPECT_EQ(compute_insurer_number_check_digit("0613048"), '8');
  EXPECT_EQ(compute_insurer_number_check_digit("3312001"), '5');
  EXPECT_EQ(compute_insurer_number_check_digit("0113001"), '2');
  EXPECT_EQ(compute_insurer_number_check_digit("13101"), '1');  // 国保, 5-digit body
  EXPECT_EQ(compute_insurer_number_check_digit("131"), '\0');
  EXPECT_EQ(compute_insurer_number_check_digit("130488"), '\0');
}

TEST(InsurerNumber, AcceptsSixDigitKokuhoNumbers) {
  // 13101 + check digit 1 (computed with the rule; 13101 is 千代田区's municipality prefix).
  const IdentifierResult kokuho = check_insurer_number("131011");
  EXPECT_TRUE(kokuho.valid) << kokuho.problem;
  EXPECT_EQ(kokuho.normalized, "131011");
  // Zero-padded to 8, as some receipt formats write it, the check digit is unchanged.
  EXPECT_TRUE(check_insurer_number("00131011").valid);
  EXPECT_FALSE(check_insurer_number("131012").valid);
}

TEST(InsurerNumber, WrongCheckDigitStrictRejectsLenientWarns) {
  const IdentifierResult strict = check_insurer_number("06130483");
  EXPECT_FALSE(strict.valid);
  EXPECT_EQ(strict.problem, "insurer number: check digit is 3, expected 8");
  const IdentifierResult lenient = check_insurer_number("06130483", CheckMode::lenient);
  EXPECT_TRUE(lenient.valid);
  EXPECT_TRUE(lenient.is_warning());
  EXPECT_EQ(lenient.normalized, "06130483");
  EXPECT_EQ(lenient.problem, "insurer number: check digit is 3, expected 8");
}

TEST(InsurerNumber, WrongLengthsAreInvalidInBothModes) {
  for (CheckMode mode : {CheckMode::strict, CheckMode::lenient}) {
    const IdentifierResult seven = check_insurer_number("0613048", mode);
    EXPECT_FALSE(seven.valid);
    EXPECT_EQ(seven.problem, "insurer number has 7 digits, expected 8 or 6");
    EXPECT_FALSE(check_insurer_number("061304888", mode).valid);
    EXPECT_FALSE(check_insurer_number("13101", mode).valid);
  }
}

TEST(InsurerNumber, FullWidthDigits) {
  const IdentifierResult result = check_insurer_number("０６１３０４８８");
  EXPECT_TRUE(result.valid) << result.problem;
  EXPECT_EQ(result.normalized, "06130488");
}

// --- 公費負担者番号, 後期高齢者 被保険者番号, 介護保険 保険者番号 ------------------------------------------

TEST(PublicExpensePayerNumber, ValidatesWorkedExample) {
  EXPECT_TRUE(check_public_expense_payer_number("54016027").valid);
  EXPECT_EQ(compute_public_expense_payer_number_check_digit("5401602"), '7');
  const IdentifierResult wrong = check_public_expense_payer_number("54016020");
  EXPECT_FALSE(wrong.valid);
  EXPECT_EQ(wrong.problem, "public expense payer number: check digit is 0, expected 7");
  EXPECT_TRUE(check_public_expense_payer_number("54016020", CheckMode::lenient).is_warning());
  EXPECT_FALSE(check_public_expense_payer_number("540160277", CheckMode::lenient).valid);
  // Unlike 保険者番号 there is no 6-digit form.
  EXPECT_FALSE(check_public_expense_payer_number("131011").valid);
}

TEST(LateElderlyInsuredNumber, UsesTheModulus10Rule) {
  // 1234567: 14→5, 6, 10→1, 4, 6, 2, 2 → 26 → 4.
  EXPECT_EQ(compute_late_elderly_insured_number_check_digit("1234567"), '4');
  EXPECT_TRUE(check_late_elderly_insured_number("12345674").valid);
  EXPECT_TRUE(check_late_elderly_insured_number("１２３４５６７４").valid);
  const IdentifierResult wrong = check_late_elderly_insured_number("12345670");
  EXPECT_FALSE(wrong.valid);
  EXPECT_EQ(wrong.problem, "late-stage elderly insured number: check digit is 0, expected 4");
  EXPECT_TRUE(check_late_elderly_insured_number("12345670", CheckMode::lenient).valid);
  EXPECT_FALSE(check_late_elderly_insured_number("1234567", CheckMode::lenient).valid);
}

TEST(LtcInsurerNumber, SixDigitsWithModulus10CheckDigit) {
  EXPECT_EQ(compute_ltc_insurer_number_check_digit("13101"), '1');
  EXPECT_EQ(compute_ltc_insurer_number_check_digit("1310"), '\0');
  EXPECT_TRUE(check_ltc_insurer_number("131011").valid);
  const IdentifierResult wrong = check_ltc_insurer_number("131016");
  EXPECT_FALSE(wrong.valid);
  EXPECT_EQ(wrong.problem, "long-term care insurer number: check digit is 6, expected 1");
  EXPECT_TRUE(check_ltc_insurer_number("131016", CheckMode::lenient).is_warning());
  const IdentifierResult eight = check_ltc_insurer_number("06130488");
  EXPECT_FALSE(eight.valid);
  EXPECT_EQ(eight.problem, "long-term care insurer number has 8 digits, expected 6");
}

// --- 医療機関コード --------------------------------------------------------------------------------

TEST(MedicalInstitutionCode, DomainExamplesValidate) {
  // The third is the example from ja.wikipedia "処方箋発行医療機関コード".
  for (std::string_view code : {"3410712362", "0910112341", "0110113719"}) {
    const IdentifierResult result = check_medical_institution_code(code);
    EXPECT_TRUE(result.valid) << code << ": " << result.problem;
    EXPECT_EQ(result.normalized, code);
  }
}

TEST(MedicalInstitutionCode, CheckDigitCoversPrefectureAndScheduleDigits) {
  EXPECT_EQ(compute_medical_institution_code_check_digit("341071236"), '2');
  EXPECT_EQ(compute_medical_institution_code_check_digit("091011234"), '1');
  // Weighting only the 6 digits after the 点数表番号 gives other digits, which the examples refute.
  EXPECT_EQ(compute_modulus10_weight21_check_digit("071236"), '4');
  EXPECT_EQ(compute_modulus10_weight21_check_digit("011234"), '2');
  EXPECT_EQ(compute_medical_institution_code_check_digit("0712362"), '\0');
}

TEST(MedicalInstitutionCode, WrongCheckDigitAndLengths) {
  const IdentifierResult strict = check_medical_institution_code("3410712364");
  EXPECT_FALSE(strict.valid);
  EXPECT_EQ(strict.problem, "medical institution code: check digit is 4, expected 2");
  EXPECT_TRUE(check_medical_institution_code("3410712364", CheckMode::lenient).valid);
  // The 7-digit receipt form alone is not the 10-digit code.
  const IdentifierResult seven = check_medical_institution_code("0712362", CheckMode::lenient);
  EXPECT_FALSE(seven.valid);
  EXPECT_EQ(seven.problem, "medical institution code has 7 digits, expected 10");
  EXPECT_TRUE(check_medical_institution_code("３４１０７１２３６２").valid);
}

// --- 介護保険 被保険者番号, 郵便番号 ---------------------------------------------------------------

TEST(LtcInsuredNumber, TenDigitsWithoutCheckDigit) {
  for (std::string_view number : {"0000012345", "0000012346", "9999999999"}) {
    const IdentifierResult result = check_ltc_insured_number(number);
    EXPECT_TRUE(result.valid) << number;
    EXPECT_EQ(result.problem, "");
  }
  EXPECT_EQ(check_ltc_insured_number("０００００１２３４５").normalized, "0000012345");
  const IdentifierResult nine = check_ltc_insured_number("000012345");
  EXPECT_FALSE(nine.valid);
  EXPECT_EQ(nine.problem, "long-term care insured number has 9 digits, expected 10");
  EXPECT_FALSE(check_ltc_insured_number("00000-12345").valid);
  EXPECT_FALSE(check_ltc_insured_number("H000012345").valid);
}

TEST(PostalCode, AcceptsBothPrintedFormsAndNormalizesToHyphenated) {
  for (std::string_view text : {"1000001", "100-0001", "１００－０００１", "１０００００１",
                                "100\u20100001", "100\u22120001", " 100-0001\u3000"}) {
    const IdentifierResult result = check_postal_code(text);
    EXPECT_TRUE(result.valid) << text << ": " << result.problem;
    EXPECT_EQ(result.normalized, "100-0001") << text;
  }
}

TEST(PostalCode, RejectsMisplacedHyphensAndWrongLengths) {
  const IdentifierResult misplaced = check_postal_code("1000-001");
  EXPECT_FALSE(misplaced.valid);
  EXPECT_EQ(misplaced.problem,
            "postal code: a hyphen may only separate the 3rd and 4th digits (NNN-NNNN)");
  EXPECT_FALSE(check_postal_code("100--0001").valid);
  EXPECT_FALSE(check_postal_code("-1000001").valid);
  EXPECT_FALSE(check_postal_code("1000001-").valid);
  const IdentifierResult short_code = check_postal_code("100-001");
  EXPECT_FALSE(short_code.valid);
  EXPECT_EQ(short_code.problem, "postal code has 6 digits, expected 7");
  EXPECT_FALSE(check_postal_code("100-00001").valid);
  EXPECT_FALSE(check_postal_code("〒100-0001").valid);
  EXPECT_FALSE(check_postal_code("100ー0001").valid);  // katakana long-vowel mark, not a hyphen
  EXPECT_EQ(check_postal_code("").problem, "postal code is empty");
}

// --- 被保険者個人識別子 ----------------------------------------------------------------------------

TEST(InsuranceMemberId, BuildsTheDomainExamples) {
  const IdentifierResult full = build_insurance_member_id("12345", "あいう", "１８７", "05");
  EXPECT_TRUE(full.valid) << full.problem;
  EXPECT_EQ(full.normalized, "00012345:あいう:１８７:05");

  const IdentifierResult absent_parts = build_insurance_member_id("00012345", "", "１８７", "");
  EXPECT_TRUE(absent_parts.valid) << absent_parts.problem;
  EXPECT_EQ(absent_parts.normalized, "00012345::１８７:");
}

TEST(InsuranceMemberId, PadsInsurerNumbersToEightDigits) {
  EXPECT_EQ(build_insurance_member_id("131011", "", "42", "").normalized, "00131011::42:");
  EXPECT_EQ(build_insurance_member_id("０６１３０４８８", "記号", "42", "01").normalized,
            "06130488:記号:42:01");
  EXPECT_EQ(build_insurance_member_id(" 06130488 ", "", "42", "").normalized, "06130488::42:");
}

TEST(InsuranceMemberId, RejectsWhatWouldBreakTheFormat) {
  const IdentifierResult nine_digits = build_insurance_member_id("061304888", "", "42", "");
  EXPECT_FALSE(nine_digits.valid);
  EXPECT_EQ(nine_digits.normalized, "");
  EXPECT_EQ(nine_digits.problem,
            "insurance member id: insurer number has 9 digits, expected at most 8");
  EXPECT_FALSE(build_insurance_member_id("", "a", "42", "").valid);
  EXPECT_FALSE(build_insurance_member_id("0613A488", "", "42", "").valid);
  EXPECT_FALSE(build_insurance_member_id("06130488", "", "", "").valid);
  const IdentifierResult colon = build_insurance_member_id("06130488", "a:b", "42", "");
  EXPECT_FALSE(colon.valid);
  EXPECT_EQ(colon.problem, "insurance member id: 記号, 番号 and 枝番 must not contain ':'");
  EXPECT_FALSE(build_insurance_member_id("06130488", "", "4:2", "").valid);
  EXPECT_FALSE(build_insurance_member_id("06130488", "", "42", "0:1").valid);
}

}  // namespace
}  // namespace socialrx::fhir::jp
