#include "fhir/questionnaire/response_tree.hpp"

namespace socialrx::fhir::questionnaire {

ResponseTree ResponseTree::build(const QuestionnaireIndex& index, const json::Value& response) {
  ResponseTree tree;
  tree.nodes_.reserve(index.items().size() + 8);
  tree.add_children(index, response.find("item"), no_node, no_answer, index.top_level(), true);
  return tree;
}

// `expected` are the Questionnaire children that belong at this level; `expected_here` is false
// when they belong in the other container (answer.item instead of item, or the reverse).
void ResponseTree::add_children(const QuestionnaireIndex& index, const json::Value* items,
                                NodeId parent, std::uint32_t parent_answer,
                                std::span<const ItemId> expected, bool expected_here) {
  if (items == nullptr) return;
  std::size_t cursor = 0;  // items appear in Questionnaire order; repeats keep the cursor
  for (const json::Value& object : items->items()) {
    const NodeId id = static_cast<NodeId>(nodes_.size());
    ResponseNode& added = nodes_.emplace_back();
    added.node = &object;
    added.parent = parent;
    added.parent_answer = parent_answer;
    // linkId, answer and item in one pass over the members (the first of each, as find gives).
    const json::Value* link_id = nullptr;
    const json::Value* answer_array = nullptr;
    const json::Value* child_items = nullptr;
    for (const json::Member& member : object.members()) {
      const std::string_view key = member.key;
      if (key.size() == 6) {
        if (link_id == nullptr && key == "linkId") link_id = &member.value;
        else if (answer_array == nullptr && key == "answer") answer_array = &member.value;
      } else if (key.size() == 4 && child_items == nullptr && key == "item") {
        child_items = &member.value;
      }
    }
    if (link_id != nullptr && link_id->is_string()) added.link_id = link_id->text();
    if (answer_array != nullptr) added.answers = answer_array->items();

    std::size_t position = expected.size();
    for (std::size_t i = cursor; i < expected.size(); ++i) {
      if (index.item(expected[i]).link_id == added.link_id) {
        position = i;
        break;
      }
    }
    if (position == expected.size()) {
      for (std::size_t i = 0; i < cursor; ++i) {
        if (index.item(expected[i]).link_id == added.link_id) {
          position = i;
          added.placement = Placement::out_of_order;
          break;
        }
      }
    }
    if (position == expected.size()) {
      added.placement =
          index.find(added.link_id) ? Placement::wrong_parent : Placement::unknown_link_id;
      added.end = id + 1;
      continue;
    }
    if (!expected_here) {
      added.placement = Placement::wrong_container;
      added.end = id + 1;
      continue;
    }
    if (added.placement == Placement::ok) cursor = position;
    const Item* item = &index.item(expected[position]);
    added.item = item;
    // Children of a group are in item; children of a question in each answer's item.
    const bool group = item->type == ItemType::group;
    const std::span<const json::Value> answers = added.answers;
    add_children(index, child_items, id, no_answer, item->children, group);
    for (std::uint32_t a = 0; a < answers.size(); ++a) {
      add_children(index, answers[a].find("item"), id, a, item->children, !group);
    }
    nodes_[id].end = static_cast<NodeId>(nodes_.size());
  }
}

namespace {

void append_step(std::string& out, std::string_view link_id) {
  out += ".item.where(linkId='";
  out += link_id;
  out += "')";
}

}  // namespace

std::string ResponseTree::path(NodeId id) const {
  const ResponseNode& at = nodes_[id];
  std::string out =
      at.parent == no_node ? std::string("QuestionnaireResponse") : path(at.parent);
  if (at.parent_answer != no_answer) {
    out += ".answer[";
    out += std::to_string(at.parent_answer);
    out += ']';
  }
  append_step(out, at.link_id);
  // Siblings share parent and container; they lie between the parent and this node.
  const NodeId first = at.parent == no_node ? 0 : at.parent + 1;
  std::size_t before = 0, total = 0;
  for (NodeId n = first; n < nodes_.size(); n = nodes_[n].end) {
    const ResponseNode& sibling = nodes_[n];
    if (sibling.parent != at.parent) break;
    if (sibling.parent_answer != at.parent_answer || sibling.link_id != at.link_id) continue;
    if (n < id) ++before;
    ++total;
  }
  if (total > 1 || (at.item != nullptr && at.item->repeats && at.item->type == ItemType::group)) {
    out += '[';
    out += std::to_string(before);
    out += ']';
  }
  return out;
}

std::string ResponseTree::child_path(NodeId parent, std::uint32_t answer,
                                     std::string_view link_id) const {
  std::string out = parent == no_node ? std::string("QuestionnaireResponse") : path(parent);
  if (answer != no_answer) {
    out += ".answer[";
    out += std::to_string(answer);
    out += ']';
  }
  append_step(out, link_id);
  return out;
}

}  // namespace socialrx::fhir::questionnaire
