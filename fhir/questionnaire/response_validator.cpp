#include "fhir/questionnaire/response_validator.hpp"

#include <algorithm>

#include "fhir/questionnaire/enable_when.hpp"
#include "fhir/questionnaire/response_tree.hpp"
#include "fhir/questionnaire/value_compare.hpp"

namespace socialrx::fhir::questionnaire {
namespace {

// "'q1'" or "'q1' (暮らし向き)": how diagnostics name an item.
std::string name_of(std::string_view link_id, std::string_view text) {
  std::string out;
  out.reserve(link_id.size() + text.size() + 5);
  out += '\'';
  out += link_id;
  out += '\'';
  if (!text.empty()) {
    out += " (";
    out += text;
    out += ')';
  }
  return out;
}
std::string name_of(const Item& item) { return name_of(item.link_id, item.text); }

std::size_t code_points(std::string_view text) {
  std::size_t count = 0;
  for (const char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

bool has_value(const json::Value& answer) { return static_cast<bool>(find_choice(answer, "value")); }

class ResponseChecker {
 public:
  ResponseChecker(const QuestionnaireIndex& index, const json::Value& response, const ResponseTree& tree)
      : index_(index), response_(response), tree_(tree), enablement_(index, tree_) {}

  Issues run() {
    check_questionnaire_reference();
    const std::string_view status = response_.string_at("status");
    const bool demand_required = status == "completed" || status == "amended";
    for (NodeId id = 0; id < tree_.size(); ++id) check_node(id);
    if (demand_required) check_required_everywhere();
    return std::move(issues_);
  }

 private:
  void check_questionnaire_reference() {
    const std::string_view canonical = response_.string_at("questionnaire");
    if (canonical.empty()) {
      issues_.error(IssueType::required, "QuestionnaireResponse.questionnaire",
                    "The response does not name its Questionnaire (questionnaire is missing).");
      return;
    }
    const std::size_t bar = canonical.find('|');
    const std::string_view url = canonical.substr(0, bar);
    const std::string_view version =
        bar == std::string_view::npos ? std::string_view() : canonical.substr(bar + 1);
    if (url != index_.url() || (!version.empty() && version != index_.version())) {
      issues_.error(IssueType::processing, "QuestionnaireResponse.questionnaire",
                    "The response names the Questionnaire '" + std::string(canonical) +
                        "' but is validated against '" + std::string(index_.url()) + "|" +
                        std::string(index_.version()) + "'.");
    }
  }

  void check_node(NodeId id) {
    const ResponseNode& node = tree_.node(id);
    if (!check_placement(id, node)) return;
    const Item& item = *node.item;
    check_repetition(id, node, item);
    check_text(id, node, item);
    if (!item.is_question()) {
      if (!node.answers.empty()) {
        issues_.error(IssueType::structure, tree_.path(id) + ".answer[0]",
                      "The " + std::string(item_type_code(item.type)) + " item " +
                          name_of(item) + " cannot have answers.");
      }
      return;
    }
    if (node.answers.empty()) return;
    if (!enablement_.enabled(id)) {
      issues_.error(IssueType::business_rule, tree_.path(id) + ".answer[0]",
                    "The item " + name_of(item) +
                        " has an answer but is not enabled (its enableWhen conditions are not "
                        "met).");
      return;
    }
    if (!item.repeats && node.answers.size() > 1) {
      issues_.error(IssueType::structure, tree_.path(id) + ".answer[1]",
                    "The item " + name_of(item) + " does not repeat but has " +
                        std::to_string(node.answers.size()) + " answers.");
    }
    for (std::uint32_t a = 0; a < node.answers.size(); ++a) {
      const TypedValue value = find_choice(node.answers[a], "value");
      if (value) check_value(id, a, item, value);
    }
  }

  // False when the occurrence is not in the Questionnaire's tree at all (nothing more to check).
  bool check_placement(NodeId id, const ResponseNode& node) {
    if (node.placement == Placement::ok) return true;
    const std::string where = node.parent == no_node
                                  ? std::string("at the top level")
                                  : "under " + name_of(tree_.node(node.parent).link_id, {});
    switch (node.placement) {
      case Placement::ok: return true;
      case Placement::out_of_order:
        issues_.error(IssueType::structure, tree_.path(id),
                      "The item " + name_of(node.link_id, {}) +
                          " is out of order: the Questionnaire puts it before the items that "
                          "precede it here.");
        return true;
      case Placement::unknown_link_id:
        issues_.error(IssueType::structure, tree_.path(id),
                      "The linkId " + name_of(node.link_id, {}) +
                          " is not an item of the Questionnaire.");
        return false;
      case Placement::wrong_parent:
        issues_.error(IssueType::structure, tree_.path(id),
                      "The item " + name_of(node.link_id, {}) +
                          " is in the wrong place: the Questionnaire does not have it " + where +
                          ".");
        return false;
      case Placement::wrong_container:
        issues_.error(IssueType::structure, tree_.path(id),
                      node.parent_answer == no_answer
                          ? "The item " + name_of(node.link_id, {}) + " belongs in an answer of " +
                                name_of(tree_.node(node.parent).link_id, {}) +
                                " (answer.item), not in its item."
                          : "The item " + name_of(node.link_id, {}) + " belongs in the item of " +
                                name_of(tree_.node(node.parent).link_id, {}) +
                                ", not in an answer (only questions nest items in answers).");
        return false;
    }
    return false;
  }

  // The occurrence just before this one under the same parent, or no_node.
  NodeId previous_sibling(NodeId id) const {
    const NodeId parent = tree_.node(id).parent;
    if (id == 0 || id - 1 == parent) return no_node;
    NodeId at = id - 1;
    while (tree_.node(at).parent != parent) at = tree_.node(at).parent;
    return at;
  }

  // Items are listed once per parent (a question's several answers go in one item), except
  // instances of a repeating group. Duplicates that follow the Questionnaire order are adjacent.
  void check_repetition(NodeId id, const ResponseNode& node, const Item& item) {
    if (item.repeats && item.type == ItemType::group) return;
    const NodeId previous = previous_sibling(id);
    if (previous == no_node) return;
    const ResponseNode& before = tree_.node(previous);
    if (before.item != &item || before.parent_answer != node.parent_answer) return;
    issues_.error(IssueType::structure, tree_.path(id),
                  item.type == ItemType::group
                      ? "The group " + name_of(item) + " does not repeat but occurs again."
                      : "The item " + name_of(item) +
                            " occurs again; several answers to one question belong in one item.");
  }

  void check_text(NodeId id, const ResponseNode& node, const Item& item) {
    const json::Value* text = node.node->find("text");
    if (text == nullptr || text->text() == item.text) return;
    issues_.warning(IssueType::value, tree_.path(id) + ".text",
                    "The text of item " + name_of(item.link_id, {}) +
                        " differs from the Questionnaire's text \"" + std::string(item.text) +
                        "\".");
  }

  std::string answer_path(NodeId id, std::uint32_t answer, const TypedValue& value) const {
    std::string path = tree_.path(id);
    path += ".answer[";
    path += std::to_string(answer);
    path += "].";
    path += value.element;
    return path;
  }

  void check_value(NodeId id, std::uint32_t answer, const Item& item, const TypedValue& value) {
    const ValueType expected = answer_value_type(item.type);
    const bool open_text = item.type == ItemType::open_choice && value.type == ValueType::string;
    if (value.type != expected && !open_text) {
      issues_.error(IssueType::value, answer_path(id, answer, value),
                    "The answer to " + name_of(item) + " must be a value" +
                        std::string(value_type_suffix(expected)) + " (the item is of type " +
                        std::string(item_type_code(item.type)) + "), not " +
                        std::string(value.element) + ".");
      return;
    }
    if (!open_text) check_allowed(id, answer, item, value);
    check_length(id, answer, item, value);
    check_bounds(id, answer, item, value);
  }

  void check_allowed(NodeId id, std::uint32_t answer, const Item& item, const TypedValue& value) {
    const bool coded = value.type == ValueType::coding;
    const CodingView given = coded ? coding_of(*value.node) : CodingView{};
    if (!item.answer_options.empty()) {
      for (const AnswerOption& option : item.answer_options) {
        if (coded ? option.value.type == ValueType::coding && codings_match(given, option.coding)
                  : values_equal(value, option.value)) {
          return;
        }
      }
    } else if (coded && item.value_set != nullptr) {
      for (const CodingView& code : item.value_set->codes) {
        if (codings_match(given, code)) return;
      }
    } else {
      return;  // nothing to choose from: any value of the right type
    }
    if (coded) {
      issues_.error(IssueType::code_invalid, answer_path(id, answer, value),
                    "The answer to " + name_of(item) + " is the code '" + std::string(given.code) +
                        "'" + (given.system.empty() ? "" : " of " + std::string(given.system)) +
                        ", which is not one of the item's answer options.");
    } else {
      issues_.error(IssueType::value, answer_path(id, answer, value),
                    "The answer to " + name_of(item) +
                        " is not one of the item's answer options.");
    }
  }

  void check_length(NodeId id, std::uint32_t answer, const Item& item, const TypedValue& value) {
    if (!item.max_length || value.node->is_object()) return;
    const std::size_t length = code_points(value.node->text());
    if (length <= *item.max_length) return;
    issues_.error(IssueType::too_long, answer_path(id, answer, value),
                  "The answer to " + name_of(item) + " has " + std::to_string(length) +
                      " characters, more than its maxLength " + std::to_string(*item.max_length) +
                      ".");
  }

  void check_bounds(NodeId id, std::uint32_t answer, const Item& item, const TypedValue& value) {
    if (item.min_value && compare_values(value, item.min_value) == Ordering::less) {
      issues_.error(IssueType::value, answer_path(id, answer, value),
                    "The answer to " + name_of(item) + " is below its minimum " +
                        bound_text(item.min_value) + ".");
    }
    if (item.max_value && compare_values(value, item.max_value) == Ordering::greater) {
      issues_.error(IssueType::value, answer_path(id, answer, value),
                    "The answer to " + name_of(item) + " is above its maximum " +
                        bound_text(item.max_value) + ".");
    }
  }

  static std::string bound_text(const TypedValue& bound) {
    if (bound.node->is_object()) {
      const json::Value* value = bound.node->find("value");
      std::string text(value ? value->text() : std::string_view());
      const std::string_view unit = bound.node->string_at("unit");
      const std::string_view code = bound.node->string_at("code");
      if (!unit.empty() || !code.empty()) text += " " + std::string(unit.empty() ? code : unit);
      return text;
    }
    return std::string(bound.node->text());
  }

  // Required items: at the top level, in every enabled group occurrence, and under every answer
  // of an enabled question that has child items.
  void check_required_everywhere() {
    check_required(no_node, no_answer, index_.top_level());
    for (NodeId id = 0; id < tree_.size(); ++id) {
      const ResponseNode& node = tree_.node(id);
      if (node.item == nullptr || node.item->children.empty() || !enablement_.enabled(id)) {
        continue;
      }
      if (node.item->type == ItemType::group) {
        check_required(id, no_answer, node.item->children);
      } else {
        for (std::uint32_t a = 0; a < node.answers.size(); ++a) {
          check_required(id, a, node.item->children);
        }
      }
    }
  }

  void check_required(NodeId parent, std::uint32_t answer, std::span<const ItemId> expected) {
    const NodeId first = parent == no_node ? 0 : parent + 1;
    const NodeId last = parent == no_node ? static_cast<NodeId>(tree_.size()) : tree_.node(parent).end;
    for (const ItemId child_id : expected) {
      const Item& child = index_.item(child_id);
      if (!child.required) continue;
      NodeId occurrence = no_node;
      bool answered = false;
      for (NodeId n = first; n < last && !answered; n = tree_.node(n).end) {
        const ResponseNode& node = tree_.node(n);
        if (node.item != &child || node.parent_answer != answer) continue;
        if (occurrence == no_node) occurrence = n;
        // A group counts as answered when present; SDC leaves its content to its own items.
        answered = child.type == ItemType::group ||
                   std::any_of(node.answers.begin(), node.answers.end(), has_value) ||
                   (!node.answers.empty() && !child.children.empty());
      }
      if (answered) continue;
      const bool enabled = occurrence != no_node ? enablement_.enabled(occurrence)
                                                 : enablement_.would_be_enabled(child, parent);
      if (!enabled) continue;
      issues_.error(IssueType::required,
                    occurrence != no_node ? tree_.path(occurrence)
                                          : tree_.child_path(parent, answer, child.link_id),
                    "The item " + name_of(child) + " is required but has no answer.");
    }
  }

  const QuestionnaireIndex& index_;
  const json::Value& response_;
  const ResponseTree& tree_;
  Enablement enablement_;
  Issues issues_;
};

}  // namespace

Issues validate_response(const QuestionnaireIndex& index, const json::Value& response) {
  const ResponseTree tree = ResponseTree::build(index, response);
  return ResponseChecker(index, response, tree).run();
}

Issues validate_response(const QuestionnaireIndex& index, const json::Value& response,
                         const ResponseTree& tree) {
  return ResponseChecker(index, response, tree).run();
}

Issue questionnaire_not_found(std::string_view canonical) {
  return Issue{Severity::error, IssueType::not_found, "QuestionnaireResponse.questionnaire",
               "The Questionnaire '" + std::string(canonical) +
                   "' that the response names is not known to this server."};
}

}  // namespace socialrx::fhir::questionnaire
