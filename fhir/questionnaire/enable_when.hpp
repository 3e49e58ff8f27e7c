#pragma once
// Which item occurrences of a response are enabled (SDC, DOMAIN.md §2).
//
// - An occurrence is enabled when its parent occurrence is enabled and its item's enableWhen
//   conditions hold (all of them, or any with enableBehavior any; none means always).
// - A condition reads the answers of its question inside the nearest enclosing occurrence of the
//   ancestor the question and the item share: in a repeating group, the same group instance.
//   Answers of occurrences that are themselves disabled do not count (chains: A enables B
//   enables C, so without A, C is disabled too).
// - Operators: exists (answerBoolean says whether an answer must exist); = true when at least
//   one answer equals; != true when no answer equals (also when there is no answer, as the
//   operator's definition says); >, <, >=, <= true when at least one answer compares so.
//   Values compare as value_compare.hpp says (partial dates that overlap never match).
// - A cycle of conditions (A depends on B, B on A) leaves the items in it disabled.
// Results are memoised per occurrence; the whole response costs one pass plus the conditions.

#include <cstdint>
#include <vector>

#include "fhir/questionnaire/questionnaire_index.hpp"
#include "fhir/questionnaire/response_tree.hpp"

namespace socialrx::fhir::questionnaire {

class Enablement {
 public:
  Enablement(const QuestionnaireIndex& index, const ResponseTree& tree);

  // Whether this occurrence is enabled. Misplaced occurrences (no item) count as enabled so that
  // they are reported for what they are.
  bool enabled(NodeId node);
  // Whether `item`, absent from the response, would be enabled as a child of `parent` (no_node
  // for a top-level item): for deciding whether a required item is demanded.
  bool would_be_enabled(const Item& item, NodeId parent);

 private:
  enum class State : std::uint8_t { unknown, evaluating, enabled, disabled };

  bool conditions_hold(const Item& item, NodeId parent);
  bool condition_holds(const EnableWhen& condition, NodeId parent);

  const QuestionnaireIndex& index_;
  const ResponseTree& tree_;
  std::vector<State> state_;
};

}  // namespace socialrx::fhir::questionnaire
