#pragma once
// Observation-based extraction of a scored QuestionnaireResponse (DOMAIN.md §2,
// conf/questionnaires/README.md "Extraction"): a FHIR transaction Bundle (JSON text) of
// conditional updates, so that extracting the same or an amended response again updates the
// same resources.
//
//   entry.fullUrl   urn:uuid:<derived from the identifier, stable across runs>
//   entry.request   PUT Observation?identifier=https://socialrx.jp/fhir/sid/extracted|<QR id>/<linkId>/<n>
//                   (Condition / ServiceRequest: …|<QR id>/risk/<domain>)
// References between the entries use those urn:uuid fullUrls (the transaction rewrites them to
// the ids the conditional updates resolve to); the response itself is referenced as
// QuestionnaireResponse/<id>.
//
// - One Observation per answer of each enabled item that has `code` under an observationExtract
//   true flag (inherited); n counts that linkId's answers through the whole response in document
//   order (each answer of a repeating item, each instance of a repeating group, its own). An
//   enabled, shown item with a code and no answer gets one Observation (n = 0) with
//   dataAbsentReason asked-unknown. Hidden and calculated items without a value get none.
// - Values: Coding → valueCodeableConcept, decimal → valueQuantity (Observation has no
//   valueDecimal), date → valueDateTime, uri → valueString; attachment and reference answers
//   are not extracted.
// - Issue codes: required (the response has no id), business-rule (status is not completed or
//   amended), warning required (no subject: no Condition or ServiceRequest).

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fhir/fhirpath/expression.hpp"
#include "fhir/json.hpp"
#include "fhir/outcome.hpp"
#include "fhir/questionnaire/response_tree.hpp"
#include "fhir/questionnaire/scoring.hpp"

namespace socialrx::fhir::questionnaire {

namespace extraction_system {
inline constexpr std::string_view identifier = "https://socialrx.jp/fhir/sid/extracted";
inline constexpr std::string_view observation_category =
    "http://terminology.hl7.org/CodeSystem/observation-category";
inline constexpr std::string_view us_core_category = "http://hl7.org/fhir/us/core/CodeSystem/us-core-category";
inline constexpr std::string_view condition_category =
    "http://hl7.org/fhir/us/core/CodeSystem/condition-category";
inline constexpr std::string_view sdohcc_temporary =
    "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes";
inline constexpr std::string_view interpretation =
    "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";
inline constexpr std::string_view data_absent_reason =
    "http://terminology.hl7.org/CodeSystem/data-absent-reason";
inline constexpr std::string_view condition_clinical =
    "http://terminology.hl7.org/CodeSystem/condition-clinical";
inline constexpr std::string_view condition_verification =
    "http://terminology.hl7.org/CodeSystem/condition-ver-status";
inline constexpr std::string_view snomed = "http://snomed.info/sct";
inline constexpr std::string_view sdh_domain = "https://socialrx.jp/fhir/CodeSystem/sdh-domain";
}  // namespace extraction_system

class ExtractionPlan;

// What one Questionnaire needs for extraction, computed once: per item the inherited
// observationExtract flag and sdh-domain, whether it is hidden; per domain its Gravity
// categories (the `gravity-category` property of the sdh-domain CodeSystem, when given).
class ExtractionPlan {
 public:
  // `sdh_domain_code_system` (the CodeSystem resource) may be null: then categories carry only
  // our sdh-domain code. The plan keeps pointers into it: it must outlive the plan.
  static std::shared_ptr<const ExtractionPlan> build(std::shared_ptr<const ScoringPlan> scoring,
                                                     const json::Value* sdh_domain_code_system);

  const ScoringPlan& scoring() const { return *scoring_; }
  bool extracted(ItemId item) const { return extract_[item]; }
  bool hidden(ItemId item) const { return hidden_[item]; }
  const json::Value* domain(ItemId item) const { return domain_[item]; }  // Coding or null
  // Gravity category Codings of an sdh-domain code (empty when unknown).
  std::span<const json::Value* const> gravity_categories(std::string_view domain_code) const;
  // Pre-written JSON of an item's Observation `category` array and `code` object: the same for
  // every response, so they are written once here instead of per Observation.
  const std::string& observation_category_json(ItemId item) const { return category_json_[item]; }
  const std::string& observation_code_json(ItemId item) const { return code_json_[item]; }
  // Pre-rendered pieces of an item's Observation entries (extract copies them instead of writing
  // them member by member): the linkId percent-encoded for the conditional-update URL and
  // JSON-escaped for the identifier value, each followed by '/'; and
  // `"category":[…],"code":{…}`.
  const std::string& link_id_query(ItemId item) const { return link_id_query_[item]; }
  const std::string& link_id_json(ItemId item) const { return link_id_json_[item]; }
  const std::string& category_and_code_json(ItemId item) const { return category_and_code_json_[item]; }
  // The value member of an Observation whose answer is this answerOption's Coding
  // (`,"valueCodeableConcept":{"coding":[…]}`), with what it was written from; empty for options
  // that are not Codings. Used when the answer's Coding has the same strings.
  struct OptionValue {
    std::string json;
    std::string_view parts[4];  // system, version, code, display (absent: data() null)
  };
  const OptionValue* option_value(ItemId item, std::size_t option) const {
    return option < option_values_[item].size() && !option_values_[item][option].json.empty()
               ? &option_values_[item][option]
               : nullptr;
  }
  // The code of domain(item) (empty when none).
  std::string_view domain_code(ItemId item) const { return domain_code_[item]; }
  // Pre-rendered members of the Condition and ServiceRequest of each sdh-risk rule (by position
  // in ScoringPlan::risks()): `"clinicalStatus":…,"verificationStatus":…,"category":[…],"code":{…}`
  // and `"status":"draft","intent":"proposal","category":[…]`.
  const std::string& risk_condition_json(std::size_t rule) const { return risk_condition_json_[rule]; }
  const std::string& risk_service_request_json(std::size_t rule) const {
    return risk_service_request_json_[rule];
  }

 private:
  std::vector<std::vector<OptionValue>> option_values_;  // by ItemId, then answerOption
  std::vector<std::string_view> domain_code_;
  std::vector<std::string> risk_condition_json_;
  std::vector<std::string> risk_service_request_json_;
  std::vector<std::string> link_id_query_;
  std::vector<std::string> link_id_json_;
  std::vector<std::string> category_and_code_json_;
  std::vector<std::string> category_json_;
  std::vector<std::string> code_json_;
  std::shared_ptr<const ScoringPlan> scoring_;
  std::vector<bool> extract_;
  std::vector<bool> hidden_;
  std::vector<const json::Value*> domain_;
  std::vector<std::pair<std::string_view, std::vector<const json::Value*>>> gravity_;
};

struct ExtractionResult {
  Issues issues;
  std::string bundle_json;  // empty when the response cannot be extracted (see issues)
  std::size_t observations = 0;
  std::size_t conditions = 0;
  std::size_t service_requests = 0;
};

// `response` is the scored response (ScoreResult::response(original): calculated answers filled
// in), `score` its scoring result. Uses the evaluator for indicates-need-when.
ExtractionResult extract(const ExtractionPlan& plan, const json::Value& response,
                         const ScoreResult& score, fhirpath::Evaluator& evaluator);
// The same with the tree of `response` built beforehand (ResponseTree::build(index, response)):
// the tree validation and scoring used, unless scoring filled calculated answers in (then
// score.filled_document is the response, and its tree must be built from it).
ExtractionResult extract(const ExtractionPlan& plan, const json::Value& response,
                         const ScoreResult& score, fhirpath::Evaluator& evaluator,
                         const ResponseTree& tree);

// urn:uuid:… derived from a text (FNV-1a based, not random): the same identifier always gets the
// same fullUrl.
std::string stable_uuid(std::string_view seed);

}  // namespace socialrx::fhir::questionnaire
