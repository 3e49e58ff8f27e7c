#pragma once
// Scoring of a QuestionnaireResponse (conf/questionnaires/README.md, "Extensions"):
// sdc-questionnaire-variable, sdc-questionnaire-calculatedExpression, indicates-need,
// indicates-need-when, sdh-risk (domain at risk, which kind of recipient) and do-not-contact.
//
// A ScoringPlan compiles every expression of one Questionnaire once, next to its index; any
// number of threads may score with it, each with its own fhirpath::Evaluator.
//
// Order of evaluation for one response:
//   1. variables, in document order (the Questionnaire's, then items' in pre-order); each may
//      use the ones before it. An item's variable is evaluated with %context = the item's first
//      occurrence in the response (the response when it has none) and is visible to every
//      later expression (a simplification of SDC's item scope that the shipped content fits);
//   2. calculatedExpressions, in document order, against the response as received. Scores
//      should read other scores through variables, not through calculated items' answers;
//   3. when the response lacks calculated answers, they are filled in (a new response JSON), and
//      sdh-risk, recipient `when` and do-not-contact are evaluated on the filled response.
//
// Issue codes:
//   load: invalid (FHIRPath syntax, outside the subset), not-found (a %variable not declared
//         before its use), not-supported (a language other than text/fhirpath; a calculated
//         item inside a repeating group or under a question), required (sdh-risk without domain
//         or expression, a variable without name), duplicate (two variables of one name);
//         expression = the extension's path, e.g. Questionnaire.item[3].extension[0]
//   response: business-rule — the response carries an answer for a calculated item that differs
//         from the calculated one (also: answers where the calculation gives none); expression =
//         the first differing answer's value, e.g.
//         QuestionnaireResponse.item.where(linkId='ucla').item.where(linkId='ucla-total').answer[0].valueInteger
//         processing / too-costly — an expression failed at run time (a collection of several
//         items where one is needed, a calculated value that does not fit the item's type…);
//         expression = the extension's path in the Questionnaire.

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fhir/fhirpath/expression.hpp"
#include "fhir/json.hpp"
#include "fhir/outcome.hpp"
#include "fhir/questionnaire/questionnaire_index.hpp"
#include "fhir/questionnaire/response_tree.hpp"

namespace socialrx::fhir::questionnaire {

namespace extension_url {
inline constexpr std::string_view calculated_expression =
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression";
inline constexpr std::string_view variable =
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-variable";
inline constexpr std::string_view observation_extract =
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-observationExtract";
inline constexpr std::string_view hidden = "http://hl7.org/fhir/StructureDefinition/questionnaire-hidden";
inline constexpr std::string_view indicates_need_when =
    "https://socialrx.jp/fhir/StructureDefinition/indicates-need-when";
inline constexpr std::string_view sdh_risk = "https://socialrx.jp/fhir/StructureDefinition/sdh-risk";
inline constexpr std::string_view sdh_domain = "https://socialrx.jp/fhir/StructureDefinition/sdh-domain";
inline constexpr std::string_view do_not_contact =
    "https://socialrx.jp/fhir/StructureDefinition/do-not-contact";
}  // namespace extension_url

struct CompiledVariable {
  std::string_view name;
  ItemId item = no_item;  // no_item: a Questionnaire-level variable
  fhirpath::Expression expression;
  std::string path;  // of the extension, for issues
};

struct CompiledCalculation {
  ItemId item = no_item;
  fhirpath::Expression expression;
  std::string path;
};

struct RecipientRule {
  const json::Value* kind = nullptr;  // Coding from recipient-kind
  std::optional<fhirpath::Expression> when;
  std::string path;
};

struct RiskRule {
  const json::Value* domain = nullptr;  // Coding from sdh-domain
  std::string_view domain_code;
  fhirpath::Expression expression;
  std::vector<RecipientRule> recipients;
  std::string path;
};

class ScoringPlan;

struct ScoringLoad {
  std::shared_ptr<const ScoringPlan> plan;  // set unless there are errors
  Issues issues;
};

class ScoringPlan : public fhirpath::WeightSource {
 public:
  static ScoringLoad compile(std::shared_ptr<const QuestionnaireIndex> index);

  const QuestionnaireIndex& index() const { return *index_; }
  std::span<const CompiledVariable> variables() const { return variables_; }
  std::span<const CompiledCalculation> calculations() const { return calculations_; }
  std::span<const RiskRule> risks() const { return risks_; }
  const std::optional<fhirpath::Expression>& do_not_contact() const { return do_not_contact_; }
  const std::string& do_not_contact_path() const { return do_not_contact_path_; }
  // The item's indicates-need-when expression, or nullptr.
  const fhirpath::Expression* need_expression(ItemId item) const;
  const std::string& need_expression_path(ItemId item) const { return need_paths_[item]; }
  // Whether the item is calculated (its answers come from a calculatedExpression).
  bool is_calculated(ItemId item) const { return calculated_[item]; }
  // Whether the item's answerOption (by position) has indicates-need true; read once here.
  bool option_indicates_need(ItemId item, std::size_t option) const {
    return option < option_needs_[item].size() && option_needs_[item][option];
  }

  // weight(): the answerOption of the item with that linkId matching the Coding.
  std::optional<fhirpath::Decimal> weight(const json::Value& response_item,
                                          const json::Value& coding) const override;
  // %questionnaire.repeat(item).where(linkId = …) from the index (when its linkIds are unique).
  bool find_questionnaire_item(const json::Value& questionnaire, std::string_view link_id,
                               QuestionnaireItem& found) const override;

 private:
  bool indexed_link_ids_ = false;  // every item an object with a unique, non-empty linkId
  // Each item's position in the order repeat(item) reaches it (breadth first), by ItemId.
  std::vector<std::uint32_t> repeat_order_;
  std::shared_ptr<const QuestionnaireIndex> index_;
  std::vector<CompiledVariable> variables_;
  std::vector<CompiledCalculation> calculations_;
  std::vector<RiskRule> risks_;
  std::optional<fhirpath::Expression> do_not_contact_;
  std::string do_not_contact_path_;
  std::vector<std::optional<fhirpath::Expression>> need_expressions_;  // by ItemId
  std::vector<std::string> need_paths_;
  std::vector<bool> calculated_;
  std::vector<std::vector<bool>> option_needs_;  // by ItemId, then answerOption
};

struct RiskResult {
  std::string_view domain_code;
  const json::Value* domain = nullptr;     // the rule's Coding
  bool at_risk = false;
  const json::Value* recipient = nullptr;  // recipient-kind Coding; null when not at risk or none fits
};

struct CalculatedAnswers {
  ItemId item = no_item;
  std::string answers_json;  // the `answer` array, e.g. [{"valueInteger":9}]; "[]" when none
  bool filled = false;       // the response did not carry them and they were filled in
};

struct ScoreResult {
  Issues issues;
  std::vector<CalculatedAnswers> calculated;  // one per calculated item, document order
  std::vector<RiskResult> risks;              // one per sdh-risk rule, Questionnaire order
  bool do_not_contact = false;
  // Set when calculated answers were filled in: the response with them (JSON text and parsed).
  std::optional<std::string> filled_json;
  std::optional<json::Document> filled_document;

  // The response later steps should use: the filled one, or the original.
  const json::Value& response(const json::Value& original) const {
    return filled_document ? filled_document->root() : original;
  }
};

// Scores a response (structurally valid, validated against the plan's Questionnaire).
// Resets the evaluator first.
ScoreResult score_response(const ScoringPlan& plan, const json::Value& response,
                           fhirpath::Evaluator& evaluator);
// The same with the response's tree built beforehand (ResponseTree::build(plan.index(), response)).
ScoreResult score_response(const ScoringPlan& plan, const json::Value& response,
                           fhirpath::Evaluator& evaluator, const ResponseTree& tree);

// Whether one answer indicates a need: its answerOption has indicates-need true, or the item's
// indicates-need-when holds with %answer = the answer's value. Evaluation errors go to issues
// (and count as no need). `response` is %resource.
bool answer_indicates_need(const ScoringPlan& plan, const Item& item, const json::Value& answer,
                           const json::Value& response_item, const json::Value& response,
                           fhirpath::Evaluator& evaluator, Issues& issues);

}  // namespace socialrx::fhir::questionnaire
