#include "fhir/questionnaire/questionnaire_index.hpp"

#include <array>
#include <charconv>
#include <utility>

namespace socialrx::fhir::questionnaire {
namespace {

constexpr std::array<std::pair<std::string_view, ItemType>, 16> kItemTypes{{
    {"group", ItemType::group},
    {"display", ItemType::display},
    {"boolean", ItemType::boolean},
    {"decimal", ItemType::decimal},
    {"integer", ItemType::integer},
    {"date", ItemType::date},
    {"dateTime", ItemType::dateTime},
    {"time", ItemType::time},
    {"string", ItemType::string},
    {"text", ItemType::text},
    {"url", ItemType::url},
    {"choice", ItemType::choice},
    {"open-choice", ItemType::open_choice},
    {"attachment", ItemType::attachment},
    {"reference", ItemType::reference},
    {"quantity", ItemType::quantity},
}};

constexpr std::array<std::pair<std::string_view, EnableOperator>, 7> kOperators{{
    {"exists", EnableOperator::exists},
    {"=", EnableOperator::equal},
    {"!=", EnableOperator::not_equal},
    {">", EnableOperator::greater},
    {"<", EnableOperator::less},
    {">=", EnableOperator::greater_or_equal},
    {"<=", EnableOperator::less_or_equal},
}};

// answerOption.value[x] an item of this type may offer.
bool option_fits(ItemType item, ValueType value) {
  switch (item) {
    case ItemType::choice: return value == ValueType::coding;
    case ItemType::open_choice: return value == ValueType::coding || value == ValueType::string;
    case ItemType::integer: return value == ValueType::integer;
    case ItemType::date: return value == ValueType::date;
    case ItemType::time: return value == ValueType::time;
    case ItemType::string:
    case ItemType::text: return value == ValueType::string;
    case ItemType::reference: return value == ValueType::reference;
    default: return false;
  }
}

// enableWhen.answer[x] that can be compared with the answers of a question of this type.
bool enable_answer_fits(ItemType question, ValueType value) {
  switch (question) {
    case ItemType::boolean: return value == ValueType::boolean;
    case ItemType::decimal:
    case ItemType::integer: return value == ValueType::decimal || value == ValueType::integer;
    case ItemType::date:
    case ItemType::dateTime: return value == ValueType::date || value == ValueType::dateTime;
    case ItemType::time: return value == ValueType::time;
    case ItemType::string:
    case ItemType::text:
    case ItemType::url: return value == ValueType::string;
    case ItemType::choice: return value == ValueType::coding;
    case ItemType::open_choice: return value == ValueType::coding || value == ValueType::string;
    case ItemType::quantity: return value == ValueType::quantity;
    case ItemType::reference: return value == ValueType::reference;
    default: return false;
  }
}

bool orderable(ValueType value) {
  switch (value) {
    case ValueType::decimal:
    case ValueType::integer:
    case ValueType::date:
    case ValueType::dateTime:
    case ValueType::time:
    case ValueType::string:
    case ValueType::quantity: return true;
    default: return false;
  }
}

// minValue/maxValue value[x] that bounds answers of this item type.
bool bound_fits(ItemType item, ValueType value) {
  switch (item) {
    case ItemType::integer: return value == ValueType::integer;
    case ItemType::decimal: return value == ValueType::decimal || value == ValueType::integer;
    case ItemType::date: return value == ValueType::date;
    case ItemType::dateTime: return value == ValueType::date || value == ValueType::dateTime;
    case ItemType::time: return value == ValueType::time;
    case ItemType::quantity: return value == ValueType::quantity;
    default: return false;
  }
}

// que-10: maxLength only on types whose answers are text.
bool may_have_max_length(ItemType item) {
  switch (item) {
    case ItemType::boolean:
    case ItemType::decimal:
    case ItemType::integer:
    case ItemType::string:
    case ItemType::text:
    case ItemType::url:
    case ItemType::open_choice: return true;
    default: return false;
  }
}

bool may_have_options(ItemType item) {
  return option_fits(item, ValueType::coding) || option_fits(item, ValueType::string) ||
         option_fits(item, ValueType::integer) || option_fits(item, ValueType::date) ||
         option_fits(item, ValueType::time) || option_fits(item, ValueType::reference);
}

std::string quoted(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '\'';
  out += text;
  out += '\'';
  return out;
}

std::string indexed(std::string_view base, std::string_view element, std::size_t index) {
  std::string out(base);
  out += '.';
  out += element;
  out += '[';
  out += std::to_string(index);
  out += ']';
  return out;
}

}  // namespace

std::optional<ItemType> item_type_from_code(std::string_view code) {
  for (const auto& [name, type] : kItemTypes) {
    if (name == code) return type;
  }
  return std::nullopt;
}

std::string_view item_type_code(ItemType type) {
  for (const auto& [name, candidate] : kItemTypes) {
    if (candidate == type) return name;
  }
  return "unknown";
}

ValueType answer_value_type(ItemType type) {
  switch (type) {
    case ItemType::boolean: return ValueType::boolean;
    case ItemType::decimal: return ValueType::decimal;
    case ItemType::integer: return ValueType::integer;
    case ItemType::date: return ValueType::date;
    case ItemType::dateTime: return ValueType::dateTime;
    case ItemType::time: return ValueType::time;
    case ItemType::string:
    case ItemType::text: return ValueType::string;
    case ItemType::url: return ValueType::uri;
    case ItemType::choice:
    case ItemType::open_choice: return ValueType::coding;
    case ItemType::attachment: return ValueType::attachment;
    case ItemType::reference: return ValueType::reference;
    case ItemType::quantity: return ValueType::quantity;
    default: return ValueType::none;
  }
}

std::optional<EnableOperator> enable_operator_from_code(std::string_view code) {
  for (const auto& [name, op] : kOperators) {
    if (name == code) return op;
  }
  return std::nullopt;
}

std::string_view enable_operator_code(EnableOperator op) {
  for (const auto& [name, candidate] : kOperators) {
    if (candidate == op) return name;
  }
  return "exists";
}

const Item* QuestionnaireIndex::find(std::string_view link_id) const {
  auto found = by_link_id_.find(link_id);
  return found == by_link_id_.end() ? nullptr : &items_[found->second];
}

// Reads the document into a QuestionnaireIndex in three passes: contained value sets, the item
// tree (pre-order), then what refers across items (enableWhen), which needs every linkId known.
class IndexBuilder {
 public:
  explicit IndexBuilder(QuestionnaireIndex& index, Issues& issues)
      : index_(index), issues_(issues) {}

  void build() {
    const json::Value& root = index_.document_.root();
    index_.url_ = root.string_at("url");
    index_.version_ = root.string_at("version");
    index_.status_ = root.string_at("status");
    index_.name_ = root.string_at("name");
    read_value_sets(root);
    if (const json::Value* items = root.find("item")) {
      std::size_t position = 0;
      for (const json::Value& node : items->items()) {
        const ItemId id = read_item(node, no_item, 0, indexed("Questionnaire", "item", position));
        index_.items_[id].sibling_index = static_cast<std::uint32_t>(position);
        index_.top_level_.push_back(id);
        ++position;
      }
    }
    for (Item& item : index_.items_) resolve_enable_when(item);
  }

 private:
  void read_value_sets(const json::Value& root) {
    const json::Value* contained = root.find("contained");
    if (contained == nullptr) return;
    for (const json::Value& resource : contained->items()) {
      if (resource.string_at("resourceType") != "ValueSet") continue;
      ContainedValueSet set;
      set.id = resource.string_at("id");
      set.node = &resource;
      if (const json::Value* expansion = resource.find("expansion")) {
        add_expansion(expansion->find("contains"), set.codes);
      } else if (const json::Value* compose = resource.find("compose")) {
        if (const json::Value* includes = compose->find("include")) {
          for (const json::Value& include : includes->items()) {
            const std::string_view system = include.string_at("system");
            if (const json::Value* concepts = include.find("concept")) {
              for (const json::Value& entry : concepts->items()) {
                set.codes.push_back(
                    CodingView{system, entry.string_at("code"), entry.string_at("display")});
              }
            }
          }
        }
      }
      index_.value_sets_.push_back(std::move(set));
    }
  }

  // expansion.contains nests (a contains may have contains of its own).
  static void add_expansion(const json::Value* contains, std::vector<CodingView>& codes) {
    if (contains == nullptr) return;
    for (const json::Value& entry : contains->items()) {
      if (!entry.string_at("code").empty()) codes.push_back(coding_of(entry));
      add_expansion(entry.find("contains"), codes);
    }
  }

  ItemId read_item(const json::Value& node, ItemId parent, std::uint32_t depth, std::string path) {
    const ItemId id = static_cast<ItemId>(index_.items_.size());
    index_.items_.emplace_back();
    {
      Item& item = index_.items_.back();
      item.id = id;
      item.parent = parent;
      item.depth = depth;
      item.node = &node;
      item.path = std::move(path);
      read_properties(item);
    }
    if (const json::Value* children = node.find("item")) {
      std::size_t position = 0;
      for (const json::Value& child : children->items()) {
        // items_ may reallocate inside read_item: refer to items by id, never by reference.
        const ItemId child_id =
            read_item(child, id, depth + 1, indexed(index_.items_[id].path, "item", position));
        index_.items_[child_id].sibling_index = static_cast<std::uint32_t>(position);
        index_.items_[id].children.push_back(child_id);
        ++position;
      }
    }
    const Item& item = index_.items_[id];
    if (item.type == ItemType::display && !item.children.empty()) {
      issues_.error(IssueType::structure, item.path + ".item",
                    "The display item " + quoted(item.link_id) + " has child items; display items "
                    "cannot contain other items.");
    }
    return id;
  }

  void read_properties(Item& item) {
    const json::Value& node = *item.node;
    item.link_id = node.string_at("linkId");
    item.text = node.string_at("text");
    item.prefix = node.string_at("prefix");
    if (item.link_id.empty()) {
      issues_.error(IssueType::required, item.path + ".linkId", "An item has no linkId.");
    } else if (!index_.by_link_id_.emplace(item.link_id, item.id).second) {
      issues_.error(IssueType::duplicate, item.path + ".linkId",
                    "The linkId " + quoted(item.link_id) + " is used by more than one item.");
    }
    read_type(item);
    if (const json::Value* v = node.find("required")) item.required = v->as_bool();
    if (const json::Value* v = node.find("repeats")) item.repeats = v->as_bool();
    if (const json::Value* v = node.find("readOnly")) item.read_only = v->as_bool();
    if (const json::Value* v = node.find("maxLength"); v != nullptr && v->is_number()) {
      std::uint32_t length = 0;
      const std::string_view text = v->text();
      if (std::from_chars(text.data(), text.data() + text.size(), length).ec == std::errc()) {
        item.max_length = length;
      }
    }
    if (const json::Value* v = node.find("code"); v != nullptr && v->is_array()) item.code = v;
    if (item.type == ItemType::display) check_display(item);
    if (item.max_length && item.type != ItemType::unknown && !may_have_max_length(item.type)) {
      issues_.error(IssueType::invariant, item.path + ".maxLength",
                    "The item " + quoted(item.link_id) + " of type " +
                        std::string(item_type_code(item.type)) +
                        " cannot have maxLength (que-10).");
    }
    read_options(item);
    read_bounds(item);
  }

  void read_type(Item& item) {
    const std::string_view code = item.node->string_at("type");
    if (code.empty()) {
      issues_.error(IssueType::required, item.path + ".type",
                    "The item " + quoted(item.link_id) + " has no type.");
    } else if (auto type = item_type_from_code(code)) {
      item.type = *type;
    } else {
      issues_.error(IssueType::invalid, item.path + ".type",
                    "The item " + quoted(item.link_id) + " has the unknown type " + quoted(code) +
                        ".");
    }
  }

  void check_display(const Item& item) {
    if (item.required || item.repeats) {
      issues_.error(IssueType::invariant, item.path,
                    "The display item " + quoted(item.link_id) +
                        " cannot be required or repeat (que-6).");
    }
    if (item.read_only) {
      issues_.error(IssueType::invariant, item.path + ".readOnly",
                    "The display item " + quoted(item.link_id) + " cannot be readOnly (que-9).");
    }
  }

  void read_options(Item& item) {
    const json::Value& node = *item.node;
    const json::Value* options = node.find("answerOption");
    item.answer_value_set = node.string_at("answerValueSet");
    const bool has_options = options != nullptr && options->size() > 0;
    if (has_options && !item.answer_value_set.empty()) {
      issues_.error(IssueType::invariant, item.path,
                    "The item " + quoted(item.link_id) +
                        " has both answerOption and answerValueSet (que-4).");
    }
    if ((has_options || !item.answer_value_set.empty()) && item.type != ItemType::unknown &&
        !may_have_options(item.type)) {
      issues_.error(IssueType::invariant, item.path,
                    "The item " + quoted(item.link_id) + " of type " +
                        std::string(item_type_code(item.type)) +
                        " cannot have answerOption or answerValueSet (que-5).");
    }
    if (has_options) {
      std::size_t position = 0;
      for (const json::Value& option : options->items()) {
        AnswerOption read;
        read.node = &option;
        read.value = find_choice(option, "value");
        if (read.value.type == ValueType::coding) read.coding = coding_of(*read.value.node);
        if (const json::Value* selected = option.find("initialSelected")) {
          read.initial_selected = selected->as_bool();
        }
        if (read.value && item.type != ItemType::unknown && may_have_options(item.type) &&
            !option_fits(item.type, read.value.type)) {
          issues_.error(IssueType::value,
                        indexed(item.path, "answerOption", position) + "." +
                            std::string(read.value.element),
                        "The answer option " + std::string(read.value.element) +
                            " does not fit the item " + quoted(item.link_id) + " of type " +
                            std::string(item_type_code(item.type)) + ".");
        }
        item.answer_options.push_back(read);
        ++position;
      }
    }
    if (!item.answer_value_set.empty()) resolve_value_set(item);
  }

  void resolve_value_set(Item& item) {
    const std::string_view reference = item.answer_value_set;
    if (!reference.starts_with('#')) {
      issues_.warning(IssueType::not_supported, item.path + ".answerValueSet",
                      "The answer value set " + quoted(reference) + " of item " +
                          quoted(item.link_id) +
                          " is not a contained ValueSet; choice answers of this item are not "
                          "checked against it.");
      return;
    }
    for (const ContainedValueSet& set : index_.value_sets_) {
      if (set.id == reference.substr(1)) {
        item.value_set = &set;
        return;
      }
    }
    issues_.error(IssueType::not_found, item.path + ".answerValueSet",
                  "The item " + quoted(item.link_id) + " names the answer value set " +
                      quoted(reference) + " but no contained ValueSet has that id.");
  }

  void read_bounds(Item& item) {
    auto read = [&](std::string_view url, std::string_view name) -> TypedValue {
      const json::Value* extension = find_extension(*item.node, url);
      if (extension == nullptr) return {};
      TypedValue bound = find_choice(*extension, "value");
      if (!bound || (item.type != ItemType::unknown && !bound_fits(item.type, bound.type))) {
        issues_.error(IssueType::value, item.path + ".extension",
                      "The " + std::string(name) + " of item " + quoted(item.link_id) +
                          " does not fit its type " + std::string(item_type_code(item.type)) +
                          ".");
        return {};
      }
      return bound;
    };
    item.min_value = read(extension_url::min_value, "minValue");
    item.max_value = read(extension_url::max_value, "maxValue");
  }

  void resolve_enable_when(Item& item) {
    const json::Value& node = *item.node;
    const json::Value* list = node.find("enableWhen");
    if (list == nullptr) return;
    const std::string_view behavior = node.string_at("enableBehavior");
    if (behavior == "any") {
      item.enable_behavior = EnableBehavior::any;
    } else if (behavior == "all") {
      item.enable_behavior = EnableBehavior::all;
    } else if (!behavior.empty()) {
      issues_.error(IssueType::invalid, item.path + ".enableBehavior",
                    "The item " + quoted(item.link_id) + " has the unknown enableBehavior " +
                        quoted(behavior) + ".");
    } else if (list->size() > 1) {
      issues_.error(IssueType::invariant, item.path + ".enableBehavior",
                    "The item " + quoted(item.link_id) +
                        " has several enableWhen but no enableBehavior (que-12).");
    }
    std::size_t position = 0;
    for (const json::Value& condition : list->items()) {
      item.enable_when.push_back(read_condition(item, condition, indexed(item.path, "enableWhen",
                                                                         position)));
      ++position;
    }
  }

  EnableWhen read_condition(const Item& item, const json::Value& node, const std::string& path) {
    EnableWhen condition;
    condition.node = &node;
    condition.question = node.string_at("question");
    condition.answer = find_choice(node, "answer");
    if (condition.answer.type == ValueType::coding) {
      condition.coding = coding_of(*condition.answer.node);
    }
    const std::string_view op = node.string_at("operator");
    const auto parsed = enable_operator_from_code(op);
    if (parsed) {
      condition.op = *parsed;
    } else {
      issues_.error(op.empty() ? IssueType::required : IssueType::invalid, path + ".operator",
                    "An enableWhen of item " + quoted(item.link_id) +
                        (op.empty() ? std::string(" has no operator.")
                                    : " has the unknown operator " + quoted(op) + "."));
    }
    if (!condition.answer) {
      issues_.error(IssueType::required, path,
                    "An enableWhen of item " + quoted(item.link_id) + " has no answer[x].");
    }
    const Item* question = index_.find(condition.question);
    if (question == nullptr) {
      issues_.error(IssueType::not_found, path + ".question",
                    "An enableWhen of item " + quoted(item.link_id) +
                        " refers to the unknown item " + quoted(condition.question) + ".");
      return condition;
    }
    condition.question_item = question->id;
    condition.shared_depth = shared_depth(item, *question);
    if (question->id == item.id) {
      issues_.error(IssueType::invariant, path + ".question",
                    "An enableWhen of item " + quoted(item.link_id) + " refers to the item itself.");
    }
    // What cannot be read was reported already; checking its fit would only add noise.
    if (!condition.answer || !parsed || question->type == ItemType::unknown) return condition;
    const std::string answer_path = path + "." + std::string(condition.answer.element);
    if (condition.op == EnableOperator::exists) {
      if (condition.answer.type != ValueType::boolean) {
        issues_.error(IssueType::value, answer_path,
                      "An enableWhen of item " + quoted(item.link_id) +
                          " uses operator exists, which needs answerBoolean.");
      }
      return condition;
    }
    if (!question->is_question()) {
      issues_.error(IssueType::value, path + ".question",
                    "An enableWhen of item " + quoted(item.link_id) + " compares the answer of " +
                        quoted(question->link_id) + ", which is a " +
                        std::string(item_type_code(question->type)) +
                        " item without answers; only exists can be used.");
      return condition;
    }
    if (!enable_answer_fits(question->type, condition.answer.type)) {
      issues_.error(IssueType::value, answer_path,
                    "An enableWhen of item " + quoted(item.link_id) + " compares the " +
                        std::string(item_type_code(question->type)) + " item " +
                        quoted(question->link_id) + " with " +
                        std::string(condition.answer.element) + ", which does not fit its type.");
      return condition;
    }
    if (condition.op != EnableOperator::equal && condition.op != EnableOperator::not_equal &&
        !orderable(condition.answer.type)) {
      issues_.error(IssueType::value, path + ".operator",
                    "An enableWhen of item " + quoted(item.link_id) + " uses operator " +
                        std::string(enable_operator_code(condition.op)) + " on " +
                        std::string(condition.answer.element) + ", which has no order.");
    }
    return condition;
  }

  // The number of Questionnaire ancestors `item` and `question` have in common.
  std::uint32_t shared_depth(const Item& item, const Item& question) const {
    std::vector<ItemId> a = ancestors(item);
    std::vector<ItemId> b = ancestors(question);
    std::uint32_t shared = 0;
    while (shared < a.size() && shared < b.size() && a[shared] == b[shared]) ++shared;
    return shared;
  }

  // Ancestors from the top-level item down to the parent.
  std::vector<ItemId> ancestors(const Item& item) const {
    std::vector<ItemId> chain(item.depth);
    ItemId at = item.parent;
    for (std::size_t i = item.depth; i > 0 && at != no_item; --i) {
      chain[i - 1] = at;
      at = index_.items_[at].parent;
    }
    return chain;
  }

  QuestionnaireIndex& index_;
  Issues& issues_;
};

LoadResult QuestionnaireIndex::load(json::Document document) {
  LoadResult result;
  if (document.root().string_at("resourceType") != "Questionnaire") {
    result.issues.error(IssueType::invalid, "", "The resource is not a Questionnaire.");
    return result;
  }
  std::shared_ptr<QuestionnaireIndex> index(new QuestionnaireIndex());
  index->document_ = std::move(document);
  IndexBuilder(*index, result.issues).build();
  result.index = std::move(index);
  return result;
}

}  // namespace socialrx::fhir::questionnaire
