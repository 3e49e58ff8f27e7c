#pragma once
// Does a directory coverage area cover the patient's address? (conf/directory/README.md, "How
// routing should match a patient".) The area's 地方公共団体コード must be the patient's; a whole
// municipality then covers everyone in it; a 日常生活圏域 covers the patient when the postal code
// is one of its postal codes or the address line starts with one of its 町字.
//
// Text is compared after normalisation, because EHR exports and typed input differ from the
// directory in width and hyphens: codes and postal codes are read as fhir::jp reads identifiers
// (full-width digits, U+2212/U+FF0D/U+2010 hyphens), 町字 and address lines are NFKC-folded with
// every hyphen-like character made '-' and white space removed ("みどり町 一丁目" matches
// "みどり町一丁目", "北山１−２" starts with "北山").

#include <cstddef>
#include <string>
#include <string_view>

#include "gateway/referral/directory_candidates.hpp"

namespace socialrx::gateway::referral {

// The patient's address in the normalised forms the matching uses; make it once per routing.
struct PatientAddress {
  std::string municipality_key;  // the first 5 digits of the 地方公共団体コード (the 6th is its check digit)
  std::string postal_code;       // "NNN-NNNN", empty when absent or unreadable
  std::string address_key;       // normalise_address(address_line)
};
PatientAddress make_patient_address(std::string_view municipality_code, std::string_view postal_code,
                                    std::string_view address_line);

enum class CoverageKind { none, whole_municipality, postal_code, town };

struct Coverage {
  CoverageKind kind = CoverageKind::none;
  const CoverageArea* area = nullptr;
  // Higher is more specific: 2 for a 圏域 (postal code or 町字), 1 for a whole municipality.
  int specificity() const;
  // "北部圏域（郵便番号一致）", "みどり市（市区町村全域）"; empty for none.
  std::string describe() const;
};

// How one area covers the patient.
Coverage coverage_of(const CoverageArea& area, const PatientAddress& patient);
// The most specific of a service's areas that covers the patient (kind none when none does).
Coverage best_coverage(const ServiceCandidate& candidate, const PatientAddress& patient);

// NFKC, hyphen-like characters → '-', white space removed.
std::string normalise_address(std::string_view text);
// The first 5 ASCII digits of a 5- or 6-digit 地方公共団体コード (full-width digits read), or empty.
std::string municipality_key(std::string_view code);

}  // namespace socialrx::gateway::referral
