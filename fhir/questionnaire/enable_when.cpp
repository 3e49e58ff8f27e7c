#include "fhir/questionnaire/enable_when.hpp"

#include "fhir/questionnaire/value_compare.hpp"

namespace socialrx::fhir::questionnaire {

Enablement::Enablement(const QuestionnaireIndex& index, const ResponseTree& tree)
    : index_(index), tree_(tree), state_(tree.size(), State::unknown) {}

bool Enablement::enabled(NodeId id) {
  switch (state_[id]) {
    case State::enabled: return true;
    case State::disabled: return false;
    case State::evaluating: return false;  // a cycle: nothing in it gets enabled
    case State::unknown: break;
  }
  state_[id] = State::evaluating;
  const ResponseNode& node = tree_.node(id);
  bool result = true;
  if (node.parent != no_node && !enabled(node.parent)) {
    result = false;
  } else if (node.item != nullptr) {
    result = conditions_hold(*node.item, node.parent);
  }
  state_[id] = result ? State::enabled : State::disabled;
  return result;
}

bool Enablement::would_be_enabled(const Item& item, NodeId parent) {
  if (parent != no_node && !enabled(parent)) return false;
  return conditions_hold(item, parent);
}

bool Enablement::conditions_hold(const Item& item, NodeId parent) {
  if (item.enable_when.empty()) return true;
  const bool any = item.enable_behavior == EnableBehavior::any;
  for (const EnableWhen& condition : item.enable_when) {
    const bool holds = condition_holds(condition, parent);
    if (any && holds) return true;
    if (!any && !holds) return false;
  }
  return !any;
}

bool Enablement::condition_holds(const EnableWhen& condition, NodeId parent) {
  if (condition.question_item == no_item) return false;
  // The occurrence of the shared ancestor that encloses the item: walk up from the parent
  // occurrence to depth shared_depth - 1. With no shared ancestor, the whole response.
  NodeId scope = parent;
  while (scope != no_node && tree_.node(scope).item != nullptr &&
         tree_.node(scope).item->depth + 1 > condition.shared_depth) {
    scope = tree_.node(scope).parent;
  }
  if (condition.shared_depth == 0) scope = no_node;
  const NodeId begin = scope == no_node ? 0 : scope + 1;
  const NodeId end = scope == no_node ? static_cast<NodeId>(tree_.size()) : tree_.node(scope).end;

  const bool coded = condition.answer.type == ValueType::coding;
  bool any_answer = false, any_equal = false, any_match = false;
  for (NodeId n = begin; n < end; ++n) {
    const ResponseNode& node = tree_.node(n);
    if (node.item == nullptr || node.item->id != condition.question_item) continue;
    if (node.answers.empty() || !enabled(n)) continue;
    for (const json::Value& answer : node.answers) {
      const TypedValue value = find_choice(answer, "value");
      if (!value) continue;
      any_answer = true;
      if (coded && value.type == ValueType::coding) {  // the common case, without re-reading
        any_equal = any_equal || codings_match(coding_of(*value.node), condition.coding);
        continue;
      }
      const Ordering ordering = compare_values(value, condition.answer);
      any_equal = any_equal || ordering == Ordering::equal;
      switch (condition.op) {
        case EnableOperator::greater: any_match |= ordering == Ordering::greater; break;
        case EnableOperator::less: any_match |= ordering == Ordering::less; break;
        case EnableOperator::greater_or_equal:
          any_match |= ordering == Ordering::greater || ordering == Ordering::equal;
          break;
        case EnableOperator::less_or_equal:
          any_match |= ordering == Ordering::less || ordering == Ordering::equal;
          break;
        default: break;
      }
    }
  }
  switch (condition.op) {
    case EnableOperator::exists: return any_answer == condition.answer.node->as_bool();
    case EnableOperator::equal: return any_equal;
    case EnableOperator::not_equal: return !any_equal;
    default: return any_match;
  }
}

}  // namespace socialrx::fhir::questionnaire
