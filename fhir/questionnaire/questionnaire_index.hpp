#pragma once
// A Questionnaire loaded once for fast use on every response: items by linkId, the tree (parent
// and children), and each item's constraints already read out of the JSON (type, required,
// repeats, answer options, enableWhen, min/max, maxLength…). The JSON nodes stay reachable
// (Item::node, AnswerOption::node, QuestionnaireIndex::resource) so that scoring and extraction
// can read the extensions they need without a second walk.
//
// Load-time checks (QuestionnaireIndex::load returns them as Issues, paths like
// "Questionnaire.item[2].enableWhen[0].question"):
//   duplicate     a linkId used twice
//   not-found     enableWhen.question names no item; answerValueSet is a missing `#id`
//   required      an item without linkId or type; an enableWhen without question, operator or
//                 answer[x]
//   invalid       an unknown item type, enableBehavior or operator; not a Questionnaire
//   value         an enableWhen answer, answerOption or min/maxValue whose type does not fit the
//                 item's type; an operator the type cannot order (> on a Coding); `exists`
//                 without answerBoolean; enableWhen on a group or display item
//   structure     a display item with children
//   invariant     que-6 display item required/repeats, que-9 readOnly display, que-10 maxLength
//                 on a type without text, que-5 answerOption/answerValueSet on a type that cannot
//                 have them, que-4 both, que-12 several enableWhen without enableBehavior, an
//                 enableWhen that refers to the item itself
//   not-supported (warning) an answerValueSet that is not a contained `#id` ValueSet

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "fhir/json.hpp"
#include "fhir/outcome.hpp"
#include "fhir/questionnaire/answer_value.hpp"
#include "fhir/questionnaire/extensions.hpp"

namespace socialrx::fhir::questionnaire {

// Questionnaire.item.type (R4). `question` is abstract in R4 and refused at load.
enum class ItemType : std::uint8_t {
  group,
  display,
  boolean,
  decimal,
  integer,
  date,
  dateTime,
  time,
  string,
  text,
  url,
  choice,
  open_choice,
  attachment,
  reference,
  quantity,
  unknown,
};
std::optional<ItemType> item_type_from_code(std::string_view code);
std::string_view item_type_code(ItemType type);

// The answer value type a response must use for an item of this type (valueCoding for choice;
// open-choice also accepts valueString); none for group and display.
ValueType answer_value_type(ItemType type);

enum class EnableOperator : std::uint8_t {
  exists,
  equal,
  not_equal,
  greater,
  less,
  greater_or_equal,
  less_or_equal,
};
std::optional<EnableOperator> enable_operator_from_code(std::string_view code);
std::string_view enable_operator_code(EnableOperator op);

enum class EnableBehavior : std::uint8_t { all, any };

using ItemId = std::uint32_t;  // position in QuestionnaireIndex::items() (document pre-order)
inline constexpr ItemId no_item = static_cast<ItemId>(-1);

struct EnableWhen {
  std::string_view question;  // the linkId as written
  ItemId question_item = no_item;  // resolved at load; no_item when unknown (a load error)
  EnableOperator op = EnableOperator::exists;
  TypedValue answer;  // answerBoolean, answerCoding…
  CodingView coding;  // answerCoding read once (empty otherwise), for fast comparison
  // How many Questionnaire ancestors the controlling question and this item share (0 = only the
  // root). At response time the question's answers are looked for inside the occurrence of that
  // common ancestor that encloses the item (SDC: the nearest enclosing occurrence), so an
  // enableWhen inside a repeating group refers to the answer in the same group instance.
  std::uint32_t shared_depth = 0;
  const json::Value* node = nullptr;
};

struct AnswerOption {
  TypedValue value;  // valueCoding, valueString, valueInteger, valueDate, valueTime, valueReference
  CodingView coding;  // valueCoding read once (empty otherwise), for fast membership checks
  bool initial_selected = false;
  const json::Value* node = nullptr;  // the answerOption object (its extensions: ordinalValue…)

  const json::Value* extension(std::string_view url) const {
    return node ? find_extension(*node, url) : nullptr;
  }
};

// A contained ValueSet that answerValueSet names as `#id`: its codes (expansion.contains, or
// compose.include[].concept with the include's system).
struct ContainedValueSet {
  std::string_view id;
  std::vector<CodingView> codes;
  const json::Value* node = nullptr;
};

struct Item {
  ItemId id = no_item;
  ItemId parent = no_item;  // no_item for top-level items
  std::vector<ItemId> children;
  std::uint32_t depth = 0;  // 0 for top-level items
  // Position among the parent's children (0-based), for ordering checks.
  std::uint32_t sibling_index = 0;

  std::string_view link_id;
  std::string_view text;
  std::string_view prefix;
  ItemType type = ItemType::unknown;
  bool required = false;
  bool repeats = false;
  bool read_only = false;
  std::optional<std::uint32_t> max_length;

  std::vector<AnswerOption> answer_options;
  std::string_view answer_value_set;            // as written
  const ContainedValueSet* value_set = nullptr;  // when it is a contained `#id` we could read

  std::vector<EnableWhen> enable_when;
  EnableBehavior enable_behavior = EnableBehavior::all;

  TypedValue min_value;  // from the minValue extension (valueInteger, valueDecimal, valueDate…)
  TypedValue max_value;

  const json::Value* code = nullptr;  // item.code (array of Coding), or nullptr
  const json::Value* node = nullptr;  // the item object
  std::string path;                   // "Questionnaire.item[1].item[0]", for load-time issues

  bool is_question() const {
    return type != ItemType::group && type != ItemType::display;
  }
  const json::Value* extension(std::string_view url) const {
    return node ? find_extension(*node, url) : nullptr;
  }
  std::vector<const json::Value*> extensions(std::string_view url) const {
    return node ? find_extensions(*node, url) : std::vector<const json::Value*>();
  }
};

class QuestionnaireIndex;

struct LoadResult {
  // Set whenever the document is a Questionnaire object, even with errors (tools may still want
  // to look at it); use it to validate responses only when !issues.has_errors().
  std::shared_ptr<const QuestionnaireIndex> index;
  Issues issues;
};

class QuestionnaireIndex {
 public:
  // Builds the index, taking the document over (the index's views point into it).
  static LoadResult load(json::Document document);

  QuestionnaireIndex(const QuestionnaireIndex&) = delete;
  QuestionnaireIndex& operator=(const QuestionnaireIndex&) = delete;

  std::string_view url() const { return url_; }
  std::string_view version() const { return version_; }
  std::string_view status() const { return status_; }
  std::string_view name() const { return name_; }
  // The Questionnaire resource (its root extensions: sdh-risk, variables, observationExtract…).
  const json::Value& resource() const { return document_.root(); }
  const json::Value* extension(std::string_view url) const {
    return find_extension(resource(), url);
  }
  std::vector<const json::Value*> extensions(std::string_view url) const {
    return find_extensions(resource(), url);
  }

  // Every item in document pre-order; Item::id is the position here.
  std::span<const Item> items() const { return items_; }
  const Item& item(ItemId id) const { return items_[id]; }
  std::span<const ItemId> top_level() const { return top_level_; }
  // nullptr when no item has this linkId.
  const Item* find(std::string_view link_id) const;
  std::span<const ContainedValueSet> value_sets() const { return value_sets_; }

 private:
  QuestionnaireIndex() = default;
  friend class IndexBuilder;

  json::Document document_;
  std::string_view url_, version_, status_, name_;
  std::vector<Item> items_;
  std::vector<ItemId> top_level_;
  std::vector<ContainedValueSet> value_sets_;
  std::unordered_map<std::string_view, ItemId> by_link_id_;
};

}  // namespace socialrx::fhir::questionnaire
