#pragma once
// Validation of a QuestionnaireResponse (already structurally valid FHIR) against its loaded
// Questionnaire (DOMAIN.md §2). Every problem is reported, not only the first.
//
// Expressions name linkIds: each step into an item is `item.where(linkId='X')`, followed by
// `[k]` for instance k of a repeating group (or of a linkId that occurs more than once at that
// level), then `.answer[n]` and the value element:
//   QuestionnaireResponse.item.where(linkId='household').item.where(linkId='child')[1]
//     .item.where(linkId='child-age').answer[0].valueInteger
//
// Issue codes:
//   required       a required, enabled item has no answer (status completed or amended only);
//                  the response has no `questionnaire`
//   structure      an unknown linkId, an item in the wrong place or order, a non-repeating item
//                  that occurs twice or has several answers, answers on group or display items
//   value          an answer of the wrong type, outside minValue/maxValue, not among the options
//                  of a non-choice item; the response names another Questionnaire (processing)
//   code-invalid   a choice or open-choice Coding that is not among the answerOptions / the
//                  contained value set
//   too-long       an answer longer than maxLength
//   business-rule  an answer on an item that is not enabled
//   value (warning) item.text differs from the Questionnaire's text

#include <string_view>

#include "fhir/json.hpp"
#include "fhir/outcome.hpp"
#include "fhir/questionnaire/questionnaire_index.hpp"
#include "fhir/questionnaire/response_tree.hpp"

namespace socialrx::fhir::questionnaire {

Issues validate_response(const QuestionnaireIndex& index, const json::Value& response);
// The same with the response's tree built beforehand (ResponseTree::build(index, response)), so
// that validation, scoring and extraction of one response build it once.
Issues validate_response(const QuestionnaireIndex& index, const json::Value& response,
                         const ResponseTree& tree);

// The issue for a response whose `questionnaire` the registry does not know (the caller answers
// 422): code not-found, expression QuestionnaireResponse.questionnaire.
Issue questionnaire_not_found(std::string_view canonical);

}  // namespace socialrx::fhir::questionnaire
