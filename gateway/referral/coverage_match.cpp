#include "gateway/referral/coverage_match.hpp"

#include <array>

#include "fhir/jp_identifiers.hpp"
#include "fhir/text_normalize.hpp"

namespace socialrx::gateway::referral {
namespace {

// What people and EHRs write between 番地 numbers, after NFKC (which already makes U+FF0D and
// U+FE63 '-' and half-width ｰ the full-width ー): hyphens and dashes, the minus sign, the
// katakana prolonged sound mark (typed for a hyphen in kana-kanji input) and the box-drawing line.
constexpr std::array<std::string_view, 9> kHyphenLike = {
    "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "\u2212", "\u30FC", "\u2500"};

std::string postal_key(std::string_view text) {
  if (fhir::jp::trim_padding(text).empty()) return {};
  const fhir::jp::IdentifierResult postal = fhir::jp::check_postal_code(text);
  return postal.valid ? postal.normalized : std::string();
}

}  // namespace

std::string normalise_address(std::string_view text) {
  const std::string folded = fhir::jp::nfkc(text);
  std::string out;
  out.reserve(folded.size());
  for (std::size_t i = 0; i < folded.size();) {
    bool replaced = false;
    for (std::string_view hyphen : kHyphenLike) {
      if (std::string_view(folded).substr(i, hyphen.size()) == hyphen) {
        out += '-';
        i += hyphen.size();
        replaced = true;
        break;
      }
    }
    if (replaced) continue;
    const char c = folded[i++];
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') out += c;
  }
  return out;
}

std::string municipality_key(std::string_view code) {
  const std::string digits = fhir::jp::fullwidth_ascii_to_halfwidth(fhir::jp::trim_padding(code));
  if (digits.size() != 5 && digits.size() != 6) return {};
  if (digits.find_first_not_of("0123456789") != std::string::npos) return {};
  return digits.substr(0, 5);
}

PatientAddress make_patient_address(std::string_view municipality_code, std::string_view postal_code,
                                    std::string_view address_line) {
  return PatientAddress{municipality_key(municipality_code), postal_key(postal_code),
                        normalise_address(address_line)};
}

int Coverage::specificity() const {
  switch (kind) {
    case CoverageKind::postal_code:
    case CoverageKind::town:
      return 2;
    case CoverageKind::whole_municipality:
      return 1;
    case CoverageKind::none:
      break;
  }
  return 0;
}

std::string Coverage::describe() const {
  if (area == nullptr) return {};
  const std::string name = area->name.empty() ? area->reference : area->name;
  switch (kind) {
    case CoverageKind::postal_code:
      return name + "（郵便番号一致）";
    case CoverageKind::town:
      return name + "（町字一致）";
    case CoverageKind::whole_municipality:
      return name + "（市区町村全域）";
    case CoverageKind::none:
      break;
  }
  return {};
}

Coverage coverage_of(const CoverageArea& area, const PatientAddress& patient) {
  if (patient.municipality_key.empty() || municipality_key(area.municipality_code) != patient.municipality_key) {
    return {};
  }
  if (area.whole_municipality) return {CoverageKind::whole_municipality, &area};
  if (!patient.postal_code.empty()) {
    for (const std::string& code : area.postal_codes) {
      if (postal_key(code) == patient.postal_code) return {CoverageKind::postal_code, &area};
    }
  }
  if (!patient.address_key.empty()) {
    for (const std::string& town : area.towns) {
      const std::string key = normalise_address(town);
      if (!key.empty() && patient.address_key.starts_with(key)) return {CoverageKind::town, &area};
    }
  }
  return {};
}

Coverage best_coverage(const ServiceCandidate& candidate, const PatientAddress& patient) {
  Coverage best;
  for (const CoverageArea& area : candidate.areas) {
    const Coverage coverage = coverage_of(area, patient);
    if (coverage.specificity() > best.specificity()) best = coverage;
  }
  return best;
}

}  // namespace socialrx::gateway::referral
