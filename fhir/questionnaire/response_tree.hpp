#pragma once
// A QuestionnaireResponse flattened in pre-order, each item occurrence matched to its
// Questionnaire item: the shape enableWhen evaluation, validation, scoring and extraction walk.
// Built once per response with one allocation; nothing is copied out of the JSON.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fhir/json.hpp"
#include "fhir/questionnaire/questionnaire_index.hpp"

namespace socialrx::fhir::questionnaire {

using NodeId = std::uint32_t;
inline constexpr NodeId no_node = static_cast<NodeId>(-1);
inline constexpr std::uint32_t no_answer = static_cast<std::uint32_t>(-1);

// How an occurrence sits relative to the Questionnaire.
enum class Placement : std::uint8_t {
  ok,
  out_of_order,      // right parent, but after an item that comes later in the Questionnaire
  unknown_link_id,   // no item has this linkId
  wrong_parent,      // the item exists elsewhere in the Questionnaire
  wrong_container,   // right parent, but under item where answer.item was due or the reverse
};

struct ResponseNode {
  const json::Value* node = nullptr;  // the QuestionnaireResponse.item object
  // The Questionnaire item; nullptr unless placement is ok or out_of_order. Misplaced items are
  // not descended into: their children are not in the tree.
  const Item* item = nullptr;
  std::string_view link_id;
  NodeId parent = no_node;
  // Set when the occurrence is nested in an answer of the parent (answer.item): that answer's
  // index; no_answer when it is in the parent's item (or top level).
  std::uint32_t parent_answer = no_answer;
  NodeId end = 0;  // one past the last node of this subtree
  Placement placement = Placement::ok;
  std::span<const json::Value> answers;
};

class ResponseTree {
 public:
  // `response` is a QuestionnaireResponse object (structurally valid).
  static ResponseTree build(const QuestionnaireIndex& index, const json::Value& response);

  std::span<const ResponseNode> nodes() const { return nodes_; }
  const ResponseNode& node(NodeId id) const { return nodes_[id]; }
  std::size_t size() const { return nodes_.size(); }

  // The occurrence's path in the format issues use, e.g.
  // QuestionnaireResponse.item.where(linkId='household').item.where(linkId='child')[1]
  // ([k] when the item repeats or its linkId occurs more than once among its siblings).
  std::string path(NodeId id) const;
  // The path of where a child item with this linkId would be under `parent` (no_node: top
  // level) in answer `answer` (no_answer: in item): for items that are missing.
  std::string child_path(NodeId parent, std::uint32_t answer, std::string_view link_id) const;

 private:
  void add_children(const QuestionnaireIndex& index, const json::Value* items, NodeId parent,
                    std::uint32_t parent_answer, std::span<const ItemId> expected,
                    bool expected_here);
  std::vector<ResponseNode> nodes_;
};

}  // namespace socialrx::fhir::questionnaire
